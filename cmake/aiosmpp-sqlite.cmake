include_guard(GLOBAL)

# aiosmpp::sqlite, the durable broker and correlator (docs/durable.md). Optional because it needs
# SQLite 3: AUTO (the default) builds it when SQLite3 is found, ON fails the configure when it is
# not, OFF never builds it.
set(AIOSMPP_WITH_SQLITE AUTO CACHE STRING "Build aiosmpp::sqlite (AUTO, ON or OFF)")
set_property(CACHE AIOSMPP_WITH_SQLITE PROPERTY STRINGS AUTO ON OFF)

if(AIOSMPP_WITH_SQLITE STREQUAL "OFF" OR NOT AIOSMPP_WITH_SQLITE)
  return()
endif()
if(AIOSMPP_WITH_SQLITE STREQUAL "AUTO")
  find_package(SQLite3 QUIET)
  if(NOT SQLite3_FOUND)
    message(STATUS "aiosmpp: SQLite3 not found, aiosmpp::sqlite is not built "
                   "(Debian: libsqlite3-dev; -DAIOSMPP_WITH_SQLITE=ON makes this an error)")
    return()
  endif()
else()
  find_package(SQLite3)
  if(NOT SQLite3_FOUND)
    message(FATAL_ERROR "aiosmpp: AIOSMPP_WITH_SQLITE=ON but SQLite3 was not found "
                        "(Debian: libsqlite3-dev)")
  endif()
endif()

add_library(aiosmpp_sqlite
  ${PROJECT_SOURCE_DIR}/src/sqlite/database.cpp
  ${PROJECT_SOURCE_DIR}/src/sqlite/broker.cpp
  ${PROJECT_SOURCE_DIR}/src/sqlite/correlator.cpp
  ${PROJECT_SOURCE_DIR}/src/sqlite/hook.cpp)
add_library(aiosmpp::sqlite ALIAS aiosmpp_sqlite)
target_include_directories(aiosmpp_sqlite PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_features(aiosmpp_sqlite PUBLIC cxx_std_20)
# SQLite is public only for linking: no public header includes sqlite3.h.
target_link_libraries(aiosmpp_sqlite PUBLIC aiosmpp::aiosmpp SQLite::SQLite3)
set_target_properties(aiosmpp_sqlite PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  EXPORT_NAME sqlite
  OUTPUT_NAME aiosmpp_sqlite
  POSITION_INDEPENDENT_CODE "${BUILD_SHARED_LIBS}")
aiosmpp_set_warnings(aiosmpp_sqlite)
