include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(AIOSMPP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/aiosmpp"
    CACHE STRING "Where aiosmppConfig.cmake is installed")

install(TARGETS aiosmpp EXPORT aiosmppTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The optional durable component goes into the same export set, so that aiosmpp::sqlite comes with
# the package when it was built; the config then finds SQLite3 for it.
set(AIOSMPP_PACKAGE_HAS_SQLITE OFF)
if(TARGET aiosmpp_sqlite)
  install(TARGETS aiosmpp_sqlite EXPORT aiosmppTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set(AIOSMPP_PACKAGE_HAS_SQLITE ON)
endif()
# The Redis component likewise; its hiredis is private (no public header includes it), but a
# static libaiosmpp_redis still needs it at link time, which the config finds through pkg-config.
set(AIOSMPP_PACKAGE_HAS_REDIS OFF)
if(TARGET aiosmpp_redis)
  install(TARGETS aiosmpp_redis EXPORT aiosmppTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set(AIOSMPP_PACKAGE_HAS_REDIS ON)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/aiosmpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT aiosmppTargets NAMESPACE aiosmpp:: DESTINATION ${AIOSMPP_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aiosmppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aiosmppConfig.cmake
  INSTALL_DESTINATION ${AIOSMPP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aiosmppConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/aiosmppConfig.cmake
              ${PROJECT_BINARY_DIR}/aiosmppConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindAsio.cmake
        DESTINATION ${AIOSMPP_INSTALL_CMAKEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
