include_guard(GLOBAL)

# aiosmpp::redis, the broker and correlator shared by several processes (docs/redis.md). Optional
# because it needs hiredis (Debian 12: libhiredis-dev 0.14.1, found through pkg-config): AUTO (the
# default) builds it when hiredis is found, ON fails the configure when it is not, OFF never
# builds it.
set(AIOSMPP_WITH_REDIS AUTO CACHE STRING "Build aiosmpp::redis (AUTO, ON or OFF)")
set_property(CACHE AIOSMPP_WITH_REDIS PROPERTY STRINGS AUTO ON OFF)

if(AIOSMPP_WITH_REDIS STREQUAL "OFF" OR NOT AIOSMPP_WITH_REDIS)
  return()
endif()
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(HIREDIS QUIET IMPORTED_TARGET hiredis)
endif()
if(NOT HIREDIS_FOUND)
  if(AIOSMPP_WITH_REDIS STREQUAL "AUTO")
    message(STATUS "aiosmpp: hiredis not found, aiosmpp::redis is not built "
                   "(Debian: libhiredis-dev; -DAIOSMPP_WITH_REDIS=ON makes this an error)")
    return()
  endif()
  message(FATAL_ERROR "aiosmpp: AIOSMPP_WITH_REDIS=ON but hiredis was not found through "
                      "pkg-config (Debian: libhiredis-dev)")
endif()

add_library(aiosmpp_redis
  ${PROJECT_SOURCE_DIR}/src/redis/asio_adapter.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/client.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/broker.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/correlator.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/hook.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/outcome_stream.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/rate_limiter.cpp
  ${PROJECT_SOURCE_DIR}/src/redis/sentinel.cpp)
add_library(aiosmpp::redis ALIAS aiosmpp_redis)
target_include_directories(aiosmpp_redis PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_features(aiosmpp_redis PUBLIC cxx_std_20)
# hiredis is private: no public header includes it (sources include <hiredis/async.h>).
target_link_libraries(aiosmpp_redis PUBLIC aiosmpp::aiosmpp PRIVATE PkgConfig::HIREDIS)
set_target_properties(aiosmpp_redis PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  EXPORT_NAME redis
  OUTPUT_NAME aiosmpp_redis
  POSITION_INDEPENDENT_CODE "${BUILD_SHARED_LIBS}")
aiosmpp_set_warnings(aiosmpp_redis)
