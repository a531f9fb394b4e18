// HS256 access tokens (net/access_token.hpp) with cpp-jwt.
#include "net/access_token.hpp"

#include <charconv>
#include <cmath>

#include <jwt/jwt.hpp>

#include "net/json_value.hpp"

namespace actorhub {

namespace {

using json_t = nlohmann::json;  // the JSON type cpp-jwt decodes into

constexpr std::size_t max_token_size = 16 * 1024;  // bounds the work an unauthenticated request can cause
constexpr int max_claim_depth = 64;

// Maps a decoded claim to `value`; false when nested deeper than max_claim_depth.
bool to_value(const json_t& j, value& out, int depth) {
  if (depth > max_claim_depth) return false;
  switch (j.type()) {
    case json_t::value_t::null: out = nullptr; return true;
    case json_t::value_t::boolean: out = j.get<bool>(); return true;
    case json_t::value_t::number_integer: out = j.get<std::int64_t>(); return true;
    case json_t::value_t::number_unsigned: out = value(j.get<std::uint64_t>()); return true;
    case json_t::value_t::number_float: out = j.get<double>(); return true;
    case json_t::value_t::string: out = j.get<std::string>(); return true;
    case json_t::value_t::array: {
      array a;
      a.reserve(j.size());
      for (const auto& e : j) {
        a.emplace_back();
        if (!to_value(e, a.back(), depth + 1)) return false;
      }
      out = std::move(a);
      return true;
    }
    case json_t::value_t::object: {
      object o;
      o.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        o.emplace_back(it.key(), value());
        if (!to_value(it.value(), o.back().second, depth + 1)) return false;
      }
      out = std::move(o);
      return true;
    }
    default:  // binary / discarded: not produced by JSON text
      out = nullptr;
      return true;
  }
}

json_t to_json(const value& v) {
  struct visitor {
    json_t operator()(std::nullptr_t) const { return nullptr; }
    json_t operator()(bool b) const { return b; }
    json_t operator()(std::int64_t i) const { return i; }
    json_t operator()(std::uint64_t u) const { return u; }
    json_t operator()(double d) const { return std::isfinite(d) ? json_t(d) : json_t(nullptr); }
    json_t operator()(const std::string& s) const { return s; }
    json_t operator()(const bytes& b) const {
      std::string s;
      append_base64(b, s);
      return s;
    }
    json_t operator()(const timestamp& t) const { return t.seconds; }  // a JWT NumericDate
    json_t operator()(const array& a) const {
      json_t j = json_t::array();
      for (const auto& e : a) j.push_back(to_json(e));
      return j;
    }
    json_t operator()(const object& o) const {
      json_t j = json_t::object();
      for (const auto& [k, e] : o) j[k] = to_json(e);
      return j;
    }
  };
  return std::visit(visitor{}, v.get());
}

// A claim usable as a user id: a string, or a number as decimal text.
std::optional<std::string> id_text(const value* v) {
  if (!v) return std::nullopt;
  if (const std::string* s = v->if_string()) return *s;
  if (auto i = v->to_int64()) return std::to_string(*i);
  if (auto u = std::get_if<std::uint64_t>(&v->get())) return std::to_string(*u);
  if (auto d = std::get_if<double>(&v->get()); d && std::isfinite(*d)) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return std::nullopt;
}

const value* find_claim(const object& claims, std::string_view name) {
  for (const auto& [k, v] : claims)
    if (k == name) return &v;
  return nullptr;
}

token_check reject(std::string error) {
  token_check r;
  r.error = std::move(error);
  return r;
}

}  // namespace

token_check check_access_token(std::string_view token, std::string_view key, std::chrono::seconds skew) {
  if (key.empty()) return reject("no access key is configured");
  if (token.empty()) return reject("empty token");
  if (token.size() > max_token_size) return reject("token too long");
  if (skew.count() < 0) skew = std::chrono::seconds(0);

  try {
    std::error_code ec;
    const std::string secret(key);
    auto obj = jwt::decode(jwt::string_view(token.data(), token.size()), jwt::params::algorithms({"HS256"}), ec,
                           jwt::params::secret(secret), jwt::params::verify(true),
                           jwt::params::leeway(static_cast<std::uint32_t>(skew.count())));
    if (ec) return reject(ec.message());
    // cpp-jwt checked the algorithm list and the signature; say it again where it matters most.
    if (obj.header().algo() != jwt::algorithm::HS256) return reject("algorithm is not HS256");

    const json_t& payload = obj.payload().create_json_obj();
    if (!payload.is_object()) return reject("payload is not a JSON object");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const double leeway = static_cast<double>(skew.count());

    // exp is required (as ASP.NET Core's RequireExpirationTime); exp and nbf must be numbers.
    auto exp = payload.find("exp");
    if (exp == payload.end()) return reject("token has no 'exp' claim");
    if (!exp->is_number()) return reject("'exp' is not a number");
    if (static_cast<double>(now) > exp->get<double>() + leeway) return reject("token expired");
    if (auto nbf = payload.find("nbf"); nbf != payload.end()) {
      if (!nbf->is_number()) return reject("'nbf' is not a number");
      if (static_cast<double>(now) + leeway < nbf->get<double>()) return reject("token not valid yet (nbf)");
    }

    token_check r;
    value claims;
    if (!to_value(payload, claims, 0) || !claims.is_object()) return reject("claims nested too deeply");
    r.claims = std::move(*claims.if_object());
    for (const char* name :
         {"nameid", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", "sub"}) {
      if (auto id = id_text(find_claim(r.claims, name))) {
        r.user_id = std::move(*id);
        break;
      }
    }
    r.valid = true;
    return r;
  } catch (const std::exception& e) {
    return reject(std::string("malformed token: ") + e.what());
  } catch (...) {
    return reject("malformed token");
  }
}

std::string sign_access_token(const object& claims, std::string_view key) {
  jwt::jwt_object obj{jwt::params::algorithm("HS256"), jwt::params::secret(std::string(key))};
  for (const auto& [name, v] : claims) obj.payload().add_claim(std::string_view(name), to_json(v), true);
  return obj.signature();
}

}  // namespace actorhub
