include_guard(GLOBAL)

# What the public headers need, and so what every layer and every consumer links.
set(AIOSMPP_PUBLIC_DEPS Asio::Asio fmt::fmt nlohmann_json::nlohmann_json Threads::Threads)

# aiosmpp_add_layer(<name> SOURCES <files...> [DEPENDS <lower layers...>])
#
# Creates the OBJECT library aiosmpp_<name>. Tests of a layer link aiosmpp_<name> plus every layer
# below it (aiosmpp_layer_closure gives that list); the exported library aiosmpp is made of all of them.
function(aiosmpp_add_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;DEPENDS")
  add_library(aiosmpp_${name} OBJECT ${arg_SOURCES})
  target_include_directories(aiosmpp_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(aiosmpp_${name} PUBLIC cxx_std_20)
  target_link_libraries(aiosmpp_${name} PUBLIC ${AIOSMPP_PUBLIC_DEPS})
  set_target_properties(aiosmpp_${name} PROPERTIES POSITION_INDEPENDENT_CODE "${BUILD_SHARED_LIBS}")
  aiosmpp_set_warnings(aiosmpp_${name})
  set_property(GLOBAL APPEND PROPERTY AIOSMPP_LAYERS ${name})
  set_property(GLOBAL PROPERTY AIOSMPP_LAYER_DEPENDS_${name} ${arg_DEPENDS})
endfunction()

# aiosmpp_layer_closure(<out-var> <layer>): the OBJECT libraries of <layer> and all layers below.
function(aiosmpp_layer_closure out layer)
  set(result aiosmpp_${layer})
  get_property(deps GLOBAL PROPERTY AIOSMPP_LAYER_DEPENDS_${layer})
  foreach(dep IN LISTS deps)
    aiosmpp_layer_closure(sub ${dep})
    list(APPEND result ${sub})
  endforeach()
  list(REMOVE_DUPLICATES result)
  set(${out} ${result} PARENT_SCOPE)
endfunction()
