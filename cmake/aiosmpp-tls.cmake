include_guard(GLOBAL)

# TLS for the Esme and the server side (docs/guides/tls.md), over Asio's ssl stream and OpenSSL.
# AUTO (the default) builds it when OpenSSL is found, ON fails the configure when it is not, OFF
# never builds it. Without it the library needs no OpenSSL at all: the `tls` layer then holds only
# the settings (EsmeConfig::tls, the simulator's --tls-* options) and says that TLS is not built,
# so asking for it fails validation with a ConfigError instead of a link error.
#
# TLS is part of libaiosmpp rather than a library of its own because the Esme and the simulator
# read their TLS settings from their own configuration and open the streams themselves: a separate
# library above them could only reach them through a hook every user would have to install. The
# package reports it as the component `tls` (find_package(aiosmpp COMPONENTS tls)).
#
# Sets AIOSMPP_HAS_TLS (ON or OFF) and AIOSMPP_TLS_LIBS (what the library then links).
set(AIOSMPP_WITH_TLS AUTO CACHE STRING "Build TLS support with OpenSSL (AUTO, ON or OFF)")
set_property(CACHE AIOSMPP_WITH_TLS PROPERTY STRINGS AUTO ON OFF)

set(AIOSMPP_HAS_TLS OFF)
set(AIOSMPP_TLS_LIBS)
if(AIOSMPP_WITH_TLS STREQUAL "OFF" OR NOT AIOSMPP_WITH_TLS)
  message(STATUS "aiosmpp: TLS off (AIOSMPP_WITH_TLS=OFF)")
  return()
endif()

# 1.1.1 is the first with TLS 1.3 and SSL_CTX_set_min_proto_version; Debian 12 has 3.0.
if(AIOSMPP_WITH_TLS STREQUAL "AUTO")
  find_package(OpenSSL 1.1.1 QUIET)
  if(NOT OpenSSL_FOUND)
    message(STATUS "aiosmpp: OpenSSL not found, TLS is not built (Debian: libssl-dev; "
                   "-DAIOSMPP_WITH_TLS=ON makes this an error)")
    return()
  endif()
else()
  find_package(OpenSSL 1.1.1)
  if(NOT OpenSSL_FOUND)
    message(FATAL_ERROR "aiosmpp: AIOSMPP_WITH_TLS=ON but OpenSSL >= 1.1.1 was not found "
                        "(Debian: libssl-dev)")
  endif()
endif()
set(AIOSMPP_HAS_TLS ON)
set(AIOSMPP_TLS_LIBS OpenSSL::SSL OpenSSL::Crypto)
message(STATUS "aiosmpp: TLS on (OpenSSL ${OPENSSL_VERSION})")
