# Installs the actorhub build into a scratch prefix, then configures, builds and runs tests/package/consumer
# against it, as a user's project would (cmake -P; run by the CTest test package.consumer).
#   -DBUILD_DIR=<actorhub build dir> -DCONSUMER_DIR=<tests/package/consumer> -DWORK_DIR=<scratch dir>
#   -DGENERATOR=<generator>
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package test: ${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "package test: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
step("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/lib/cmake/actorhub/actorhubConfig.cmake")
  message(FATAL_ERROR "package test: no actorhubConfig.cmake under ${prefix}/lib/cmake/actorhub")
endif()
step("configure the consumer" ${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
     "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
step("build the consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
step("run the consumer" "${WORK_DIR}/build/chat_hub" --check)
message(STATUS "${step_output}")
