# Install rules and the exported CMake package: a user's project does find_package(actorhub) and links
# actorhub::actorhub.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The public API only: each layer keeps its public headers in its own actorhub/ folder, and both install into
# <prefix>/include/actorhub/, included as <actorhub/hub.hpp> etc. Internal headers are never installed.
foreach(dir net actors)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/actorhub/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actorhub
          FILES_MATCHING PATTERN "*.hpp")
endforeach()

install(TARGETS actorhub actorhub_node actorhub_cluster actorhub_gateway actorhub_hub actorhub_net actorhub_codec actorhub_monitoring
                actorhub_schema
        EXPORT actorhubTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT actorhubTargets NAMESPACE actorhub:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/actorhubConfig.cmake.in
  ${PROJECT_BINARY_DIR}/actorhubConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/actorhubConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/actorhubConfig.cmake ${PROJECT_BINARY_DIR}/actorhubConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)
