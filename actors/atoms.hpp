// CAF atoms of the hub layer's messages (at most 10 characters each).
#pragma once

#include "caf/atom.hpp"

namespace actorhub {

using ok_atom = caf::atom_constant<caf::atom("ok")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using send_atom = caf::atom_constant<caf::atom("send")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using invoke_atom = caf::atom_constant<caf::atom("invoke")>;
using presence_atom = caf::atom_constant<caf::atom("presence")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using post_atom = caf::atom_constant<caf::atom("post")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
// The connection continues on another node (drain): this actor ends without OnDisconnectedAsync or a detach.
using moved_atom = caf::atom_constant<caf::atom("moved")>;

}  // namespace actorhub
