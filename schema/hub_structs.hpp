// The hub-traffic structs of cluster.capnp that both codecs carry: a delivery, a client invocation and its
// result, a presence query and its answer. The cluster sends them as messages of their own, the gateway link
// inside its own messages; both convert them here. Internal to schema/ (it includes the generated header).
#pragma once

#include "cluster.capnp.h"
#include "schema/cluster_wire.hpp"

namespace actorhub::wire {

void write(schema::Payload::Builder b, const payload& v);
void write(schema::Delivery::Builder b, const delivery& v);
void write(schema::ClientInvocation::Builder b, const client_invocation& v);
void write(schema::ClientResult::Builder b, const client_result& v);
void write(schema::PresenceQuery::Builder b, const presence_query& v);
void write(schema::PresenceAnswer::Builder b, const presence_answer& v);

// These throw capnp_codec::rejected for what the codecs refuse (unknown enum values, bad UTF-8, zero-sized
// struct lists), except that an unknown client result status reads as result_status::error.
payload read(schema::Payload::Reader r);
delivery read(schema::Delivery::Reader r);
client_invocation read(schema::ClientInvocation::Reader r);
client_result read(schema::ClientResult::Reader r);
presence_query read(schema::PresenceQuery::Reader r);
presence_answer read(schema::PresenceAnswer::Reader r);

// Approximate encoded sizes (capnp_codec::approx).
std::size_t approx(const delivery& v);

}  // namespace actorhub::wire
