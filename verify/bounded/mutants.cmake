# verify/bounded/mutants.cmake — textual mutants of the shipped lib/ code (mutants.py), each
# compiled into its own prover binary and run as ctest prove.mutant.<name> (labels prove and
# mutant): the test passes only if the prover reports the violation (run_mutant.py). The
# mutations documented as equivalent run as prove.equivalent.<name> and must pass.
#
# Per mutant: the mutated copy of one lib/ file is generated under
# ${CMAKE_CURRENT_BINARY_DIR}/mutants/<name>/<its path>. A mutated .cpp is compiled alone and
# linked with the prover's own objects (prove_<prover>_objects, which never include a lib/
# .cpp) ahead of the shipped module. A mutated header comes first on the include path of the
# lib module holding it and of every prover source, which are all compiled again and linked in
# place of the shipped module; a generated marker.cpp fails the build unless the mutated header
# is the one included. Prover sources recompiled for a mutant are built at -O0: compile time
# dominates, and each run stops at its first violation.

set(CAPOS_BOUNDED_MUTANTS_PY ${CMAKE_CURRENT_SOURCE_DIR}/mutants.py)
set(CAPOS_BOUNDED_MUTANT_DIR ${CMAKE_CURRENT_BINARY_DIR}/mutants)
# A mutation may leave a variable, parameter or helper unused; that is not what is tested.
set(CAPOS_MUTANT_FLAGS -Wno-unused -Wno-unused-parameter -Wno-unused-function)

# capos_bounded_mutant(<name> <id> <lib file> header|source <prover> killed|equivalent
#                      <expect regex> <run args>...)
# killed: ctest prove.mutant.<name>, passes only if the prover reports a violation matching
# the regex. equivalent: ctest prove.equivalent.<name>, passes only if the prover passes (the
# mutation is claimed not to change behaviour; the regex is unused).
function(capos_bounded_mutant name id file kind prover mode expect)
  set(root ${CAPOS_BOUNDED_MUTANT_DIR}/${name})
  set(generated ${root}/${file})
  if(kind STREQUAL "header")
    list(APPEND generated ${root}/marker.cpp)
  endif()
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${Python3_EXECUTABLE} ${CAPOS_BOUNDED_MUTANTS_PY} --source-dir ${PROJECT_SOURCE_DIR}
            --out-dir ${CAPOS_BOUNDED_MUTANT_DIR} --mutant ${name}
    DEPENDS ${CAPOS_BOUNDED_MUTANTS_PY} ${PROJECT_SOURCE_DIR}/verify/mutation.py
            ${PROJECT_SOURCE_DIR}/${file}
    COMMENT "Generating the textual mutant ${name} of ${file}"
    VERBATIM)

  if(NOT file MATCHES "^lib/([a-z]+)/")
    message(FATAL_ERROR "mutant ${name}: ${file} is not in a lib/ module")
  endif()
  set(module capos_${CMAKE_MATCH_1})
  set(objects prove_${prover}_objects)
  get_target_property(prover_sources ${objects} CAPOS_PROVER_SOURCES)
  get_target_property(prover_deps ${objects} CAPOS_PROVER_DEPS)
  set(exe prove_mutant_${id})
  if(kind STREQUAL "source")
    # The mutated .cpp as an object ahead of the shipped module archive: the archive member of
    # the original file is never extracted (the object defines all its symbols), and if it were,
    # the duplicate definitions would fail the link rather than pick one silently.
    set(lib prove_mutant_${id}_object)
    add_library(${lib} OBJECT ${root}/${file})
    capos_host_target(${lib})
    target_compile_options(${lib} PRIVATE ${CAPOS_LIB_HOST_FLAGS} ${CAPOS_MUTANT_FLAGS})
    add_executable(${exe} $<TARGET_OBJECTS:${objects}> $<TARGET_OBJECTS:${lib}>)
    capos_host_target(${exe})
  else()
    # A header: the module and every prover source compiled again with the copy first on the
    # include path.
    get_target_property(module_sources ${module} SOURCES)
    get_target_property(module_dir ${module} SOURCE_DIR)
    get_target_property(module_deps ${module} LINK_LIBRARIES)
    set(lib_sources ${root}/marker.cpp)
    foreach(source IN LISTS module_sources)
      get_filename_component(path ${source} ABSOLUTE BASE_DIR ${module_dir})
      list(APPEND lib_sources ${path})
    endforeach()
    set(lib prove_mutant_${id}_lib)
    add_library(${lib} STATIC ${lib_sources})
    capos_host_target(${lib})
    target_compile_options(${lib} PRIVATE ${CAPOS_LIB_HOST_FLAGS} ${CAPOS_MUTANT_FLAGS})
    target_include_directories(${lib} BEFORE PRIVATE ${root})
    target_link_libraries(${lib} PUBLIC ${module_deps})
    list(REMOVE_ITEM prover_deps ${module})
    add_executable(${exe} ${prover_sources} ${root}/marker.cpp)
    # The project's warning flags first, so the mutant's relaxations (CAPOS_MUTANT_FLAGS) win.
    capos_host_target(${exe})
    target_include_directories(${exe} BEFORE PRIVATE ${root})
    target_compile_options(${exe} PRIVATE -O0 ${CAPOS_MUTANT_FLAGS})
    target_link_libraries(${exe} PRIVATE ${lib})
  endif()
  target_link_libraries(${exe} PRIVATE capos_prove_panic ${prover_deps})

  if(mode STREQUAL "killed")
    set(test prove.mutant.${name})
    set(verdict --expect ${expect})
  elseif(mode STREQUAL "equivalent")
    set(test prove.equivalent.${name})
    set(verdict --equivalent)
  else()
    message(FATAL_ERROR "mutant ${name}: mode must be killed or equivalent, not ${mode}")
  endif()
  add_test(NAME ${test}
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/run_mutant.py --name ${name} ${verdict}
                   -- $<TARGET_FILE:${exe}> ${ARGN})
  set_tests_properties(${test} PROPERTIES LABELS "prove;mutant" TIMEOUT 600)
endfunction()

execute_process(COMMAND ${Python3_EXECUTABLE} ${CAPOS_BOUNDED_MUTANTS_PY}
                        --cmake ${CMAKE_CURRENT_BINARY_DIR}/mutant_list.cmake
                COMMAND_ERROR_IS_FATAL ANY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CAPOS_BOUNDED_MUTANTS_PY}
             ${PROJECT_SOURCE_DIR}/verify/mutation.py)
include(${CMAKE_CURRENT_BINARY_DIR}/mutant_list.cmake)
