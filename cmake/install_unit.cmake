# Part of `cmake --install` (cmake/packaging.cmake): installs deploy/memsleuth-record.service with
# ExecStart= and Documentation= rewritten to the binary and docs under the install prefix.
# In: unit_src, unit_tmp, bindir, docdir, unitdir (relative to the prefix, or absolute),
#     CMAKE_INSTALL_PREFIX and DESTDIR as cmake --install sets them.
foreach(var bindir docdir unitdir)
  if(NOT IS_ABSOLUTE "${${var}}")
    set(${var} "${CMAKE_INSTALL_PREFIX}/${${var}}")
  endif()
endforeach()
file(READ "${unit_src}" unit)
# The header comment speaks of the default prefix and of copying by hand: say what this copy is.
string(FIND "${unit}" "[Unit]" unit_start)
string(SUBSTRING "${unit}" ${unit_start} -1 unit)
set(unit "# memsleuth flight recorder for plain hosts, installed by `make install` under ${CMAKE_INSTALL_PREFIX}.
# Start it: systemctl daemon-reload && systemctl enable --now memsleuth-record
${unit}")
# The unit in deploy/ is written for the default prefix: /usr/local/bin/memsleuth and its docs.
string(REPLACE "/usr/local/bin/memsleuth" "${bindir}/memsleuth" unit "${unit}")
string(REPLACE "/usr/local/share/doc/memsleuth" "${docdir}" unit "${unit}")
string(FIND "${unit}" "ExecStart=${bindir}/memsleuth record" found)
if(found EQUAL -1)
  message(FATAL_ERROR "${unit_src}: ExecStart= does not start /usr/local/bin/memsleuth record; cannot rewrite it")
endif()
get_filename_component(tmp_dir "${unit_tmp}" DIRECTORY)
file(MAKE_DIRECTORY "${tmp_dir}")
file(WRITE "${unit_tmp}" "${unit}")
# file(INSTALL) prepends DESTDIR itself, as install() does, and records the file in install_manifest.txt.
file(INSTALL DESTINATION "${unitdir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${unit_tmp}")
