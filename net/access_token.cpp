// HS256 access tokens (net/access_token.hpp) with cpp-jwt.
#include "net/access_token.hpp"

#include <charconv>
#include <cmath>

#include <jwt/jwt.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "net/json_value.hpp"

namespace actorhub {

namespace {

using json_t = nlohmann::json;  // the JSON type cpp-jwt works with

constexpr std::size_t max_token_size = 16 * 1024;  // bounds the work an unauthenticated request can cause

json_t to_json(const value& v);

struct json_maker {
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

json_t to_json(const value& v) { return std::visit(json_maker{}, v.get()); }

// Unpadded base64url, as JWT segments are. cpp-jwt's decoder indexes a table with the raw (signed) input
// bytes, so anything else must never reach it.
bool is_base64url(std::string_view s) noexcept {
  if (s.empty() || s.size() % 4 == 1) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Decodes one base64url segment of the token as JSON with Boost.JSON (depth-capped, non-recursive) before
// cpp-jwt hands it to nlohmann::json, whose copies recurse: deep nesting must never reach them.
bool decode_segment(std::string_view segment, value& out, std::string& error) {
  std::string text = jwt::base64_uri_decode(segment.data(), segment.size());
  return parse_json(text, out, error);
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

// HMAC-SHA256 of `signed_part` with `key`, compared with the token's signature segment in constant time
// (cpp-jwt compares with ==, which returns at the first differing byte: a timing oracle for forging).
bool signature_matches(std::string_view signed_part, std::string_view signature, std::string_view key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(signed_part.data()),
            signed_part.size(), mac, &mac_len))
    return false;
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string expected;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned int i = 0; i < mac_len; ++i) {
    acc = (acc << 8) | mac[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      expected.push_back(alphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) expected.push_back(alphabet[(acc << (6 - bits)) & 63]);
  return expected.size() == signature.size() && CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
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

  // header.payload.signature: screen the two JSON segments first (see decode_segment).
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return reject("token is not header.payload.signature");
  if (!is_base64url(token.substr(0, dot1)) || !is_base64url(token.substr(dot1 + 1, dot2 - dot1 - 1)) ||
      !is_base64url(token.substr(dot2 + 1)))
    return reject("token segments are not base64url");

  try {
    value header, payload;
    std::string error;
    if (!decode_segment(token.substr(0, dot1), header, error)) return reject("header is not valid JSON: " + error);
    if (!decode_segment(token.substr(dot1 + 1, dot2 - dot1 - 1), payload, error))
      return reject("payload is not valid JSON: " + error);
    const value* alg = header.find("alg");
    if (!alg || !alg->if_string() || *alg->if_string() != "HS256") return reject("algorithm is not HS256");
    if (!payload.is_object()) return reject("payload is not a JSON object");

    // The signature first, in constant time; then cpp-jwt's own checks (algorithm list, exp/nbf).
    if (!signature_matches(token.substr(0, dot2), token.substr(dot2 + 1), key)) return reject("invalid signature");
    std::error_code ec;
    const std::string secret(key);
    auto obj = jwt::decode(jwt::string_view(token.data(), token.size()), jwt::params::algorithms({"HS256"}), ec,
                           jwt::params::secret(secret), jwt::params::verify(true),
                           jwt::params::leeway(static_cast<std::uint32_t>(skew.count())));
    if (ec) return reject(ec.message());
    if (obj.header().algo() != jwt::algorithm::HS256) return reject("algorithm is not HS256");

    // exp is required (as ASP.NET Core's RequireExpirationTime); exp and nbf must be numbers.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const double leeway = static_cast<double>(skew.count());
    const value* exp = payload.find("exp");
    if (!exp) return reject("token has no 'exp' claim");
    if (!exp->to_double()) return reject("'exp' is not a number");
    if (static_cast<double>(now) > *exp->to_double() + leeway) return reject("token expired");
    if (const value* nbf = payload.find("nbf")) {
      if (!nbf->to_double()) return reject("'nbf' is not a number");
      if (static_cast<double>(now) + leeway < *nbf->to_double()) return reject("token not valid yet (nbf)");
    }

    token_check r;
    r.claims = std::move(*payload.if_object());
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
