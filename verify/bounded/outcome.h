// verify/bounded/outcome.h — how the explorers compare an operation's outcome on the real code
// with the model's expectation: the Error of a failed Result (nullopt for success), and its text.
#pragma once

#include <optional>
#include <string>

#include "lib/core/error.h"
#include "lib/core/result.h"

namespace capos::verify {

template <typename T>
std::optional<Error> error_of(const Result<T>& result) {
  if (result.has_value()) return std::nullopt;
  return result.error();
}

inline std::string outcome_text(std::optional<Error> error) {
  return error.has_value() ? std::string(error_name(*error)) : std::string("success");
}

}  // namespace capos::verify
