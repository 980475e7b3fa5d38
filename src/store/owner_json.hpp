#pragma once
// Owner <-> JSON for the owners table (one row per distinct owner, referenced by processes and cgroups).
#include <string>

#include "attribution/owner.hpp"

namespace ms::store {

std::string owner_to_json(const Owner& o);
Owner owner_from_json(const std::string& json);  // unknown or malformed text -> default (unconfined)
OwnerKind owner_kind_from_string(std::string_view s);

}  // namespace ms::store
