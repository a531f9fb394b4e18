# msgpack-cxx (header-only) for the MessagePack hub protocol -> target actorhub::msgpack.
# Debian's libmsgpack-cxx-dev cannot be installed next to Boost 1.81, so cmake/fetch-msgpack.sh unpacks it
# into <repo>/third/msgpack; this file finds it there (or wherever ACTORHUB_MSGPACK_ROOT points).
# MSGPACK_NO_BOOST: we use none of msgpack's Boost adaptors, so it needs no Boost at all.
if(TARGET actorhub::msgpack)
  return()
endif()

set(ACTORHUB_MSGPACK_ROOT "${PROJECT_SOURCE_DIR}/third/msgpack/usr" CACHE PATH
    "Prefix holding include/msgpack.hpp (filled by cmake/fetch-msgpack.sh)")

add_library(actorhub_msgpack INTERFACE)
add_library(actorhub::msgpack ALIAS actorhub_msgpack)
target_compile_definitions(actorhub_msgpack INTERFACE MSGPACK_NO_BOOST MSGPACK_DEFAULT_API_VERSION=3)

find_package(msgpack CONFIG QUIET PATHS "${ACTORHUB_MSGPACK_ROOT}" NO_DEFAULT_PATH)
if(TARGET msgpackc-cxx)
  # The package's target also links Boost::boost; the include directory is all we need.
  get_target_property(_msgpack_include msgpackc-cxx INTERFACE_INCLUDE_DIRECTORIES)
elseif(EXISTS "${ACTORHUB_MSGPACK_ROOT}/include/msgpack.hpp")
  set(_msgpack_include "${ACTORHUB_MSGPACK_ROOT}/include")
else()
  message(FATAL_ERROR "msgpack-cxx headers not found under ${ACTORHUB_MSGPACK_ROOT}. Run "
                      "'sh ${PROJECT_SOURCE_DIR}/cmake/fetch-msgpack.sh' (as root, on Debian 12) and configure again.")
endif()
target_include_directories(actorhub_msgpack SYSTEM INTERFACE "${_msgpack_include}")
message(STATUS "msgpack-cxx: ${_msgpack_include}")
unset(_msgpack_include)
