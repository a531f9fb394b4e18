# Copies the SignalR browser bundle (signalr.min.js + map) from node_modules into the chat page's vendor/ folder.
# usage: cmake -DSRC=<node_modules/@microsoft/signalr/dist/browser> -DDEST=<web/vendor> -P copy_bundle.cmake
if(NOT EXISTS "${SRC}/signalr.min.js")
  message(FATAL_ERROR "${SRC}/signalr.min.js not found: run `bash .ci/install-deps` "
                      "(or `npm ci` in examples/chat) to fetch the @microsoft/signalr browser bundle")
endif()
file(MAKE_DIRECTORY "${DEST}")
foreach(f signalr.min.js signalr.min.js.map)
  file(COPY_FILE "${SRC}/${f}" "${DEST}/${f}" ONLY_IF_DIFFERENT)
endforeach()
