# Install rules and the exported CMake package: a user's project does find_package(actorhub) and links
# actorhub::actorhub.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

foreach(dir net actors monitoring)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actorhub/${dir}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()

install(TARGETS actorhub actorhub_actors actorhub_net actorhub_codec actorhub_monitoring
        EXPORT actorhubTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actorhub)
install(EXPORT actorhubTargets NAMESPACE actorhub:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/actorhubConfig.cmake.in
  ${PROJECT_BINARY_DIR}/actorhubConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/actorhubConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/actorhubConfig.cmake ${PROJECT_BINARY_DIR}/actorhubConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/actorhub)
