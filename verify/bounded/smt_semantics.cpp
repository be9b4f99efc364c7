// verify/bounded/smt_semantics.cpp — Word's operators against uint64_t, value by value.
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "verify/bounded/smt_proof.h"

namespace capos::verify::smt {

bool check_semantics(z3::context& context, Report& report) {
  const std::array<uint64_t, 14> values = {0,
                                           1,
                                           2,
                                           0xfff,
                                           0x1000,
                                           0x7fff'ffff'ffff'ffffULL,
                                           0x8000'0000'0000'0000ULL,
                                           0x0000'8000'0000'0000ULL,
                                           0xffff'ffff'ffff'fffeULL,
                                           0xffff'ffff'ffff'ffffULL,
                                           56,
                                           63,
                                           64,
                                           0x1234'5678'9abc'def0ULL};
  struct Operation {
    const char* name;
    std::function<uint64_t(uint64_t, uint64_t)> concrete;
    std::function<z3::expr(const Word&, const Word&)> symbolic;
  };
  const auto as_bool = [](const Bool& b) {
    return z3::ite(b.expr(), b.expr().ctx().bv_val(1, 64), b.expr().ctx().bv_val(0, 64));
  };
  const std::array<Operation, 14> operations = {{
      {"+", [](uint64_t a, uint64_t b) { return a + b; },
       [](const Word& a, const Word& b) { return (a + b).expr(); }},
      {"-", [](uint64_t a, uint64_t b) { return a - b; },
       [](const Word& a, const Word& b) { return (a - b).expr(); }},
      {"*", [](uint64_t a, uint64_t b) { return a * b; },
       [](const Word& a, const Word& b) { return (a * b).expr(); }},
      {"&", [](uint64_t a, uint64_t b) { return a & b; },
       [](const Word& a, const Word& b) { return (a & b).expr(); }},
      {"|", [](uint64_t a, uint64_t b) { return a | b; },
       [](const Word& a, const Word& b) { return (a | b).expr(); }},
      {"~", [](uint64_t a, uint64_t) { return ~a; },
       [](const Word& a, const Word&) { return (~a).expr(); }},
      {">>", [](uint64_t a, uint64_t b) { return b < 64 ? a >> b : 0; },
       [](const Word& a, const Word& b) { return (a >> b).expr(); }},
      {"==", [](uint64_t a, uint64_t b) -> uint64_t { return a == b; },
       [&](const Word& a, const Word& b) { return as_bool(a == b); }},
      {"!=", [](uint64_t a, uint64_t b) -> uint64_t { return a != b; },
       [&](const Word& a, const Word& b) { return as_bool(a != b); }},
      {"<", [](uint64_t a, uint64_t b) -> uint64_t { return a < b; },
       [&](const Word& a, const Word& b) { return as_bool(a < b); }},
      {"<=", [](uint64_t a, uint64_t b) -> uint64_t { return a <= b; },
       [&](const Word& a, const Word& b) { return as_bool(a <= b); }},
      {">", [](uint64_t a, uint64_t b) -> uint64_t { return a > b; },
       [&](const Word& a, const Word& b) { return as_bool(a > b); }},
      {">=", [](uint64_t a, uint64_t b) -> uint64_t { return a >= b; },
       [&](const Word& a, const Word& b) { return as_bool(a >= b); }},
      {"&&,||,!", [](uint64_t a, uint64_t b) -> uint64_t { return (a < b && !(b < a)) || a == 0; },
       [&](const Word& a, const Word& b) {
         return as_bool((a < b && !(b < a)) || a == uint64_t{0});
       }},
  }};
  size_t checked = 0;
  for (const Operation& operation : operations) {
    for (uint64_t a : values) {
      for (uint64_t b : values) {
        const uint64_t symbolic = evaluate(operation.symbolic(Word(context, a), Word(context, b)));
        if (symbolic != operation.concrete(a, b)) {
          report.line(false, std::string("Word semantics: operator ") + operation.name +
                                 " disagrees with uint64_t on " + std::to_string(a) + ", " +
                                 std::to_string(b));
          return false;
        }
        ++checked;
      }
    }
  }
  // IntWord: the operators the placement proofs use.
  const auto int_bool = [&context](const Bool& b) {
    return z3::ite(b.expr(), context.int_val(1), context.int_val(0));
  };
  const std::array<Operation, 9> int_operations = {{
      {"+", [](uint64_t a, uint64_t b) { return a + b; }, nullptr},
      {"-", [](uint64_t a, uint64_t b) { return a - b; }, nullptr},
      {"& low mask", [](uint64_t a, uint64_t) { return a & 0xfff; }, nullptr},
      {"& high mask", [](uint64_t a, uint64_t) { return a & ~uint64_t{0xfff}; }, nullptr},
      {"==", [](uint64_t a, uint64_t b) -> uint64_t { return a == b; }, nullptr},
      {"<", [](uint64_t a, uint64_t b) -> uint64_t { return a < b; }, nullptr},
      {"<=", [](uint64_t a, uint64_t b) -> uint64_t { return a <= b; }, nullptr},
      {">", [](uint64_t a, uint64_t b) -> uint64_t { return a > b; }, nullptr},
      {">=", [](uint64_t a, uint64_t b) -> uint64_t { return a >= b; }, nullptr},
  }};
  const std::array<std::function<z3::expr(const IntWord&, const IntWord&)>, 9> int_symbolic = {{
      [](const IntWord& a, const IntWord& b) { return (a + b).expr(); },
      [](const IntWord& a, const IntWord& b) { return (a - b).expr(); },
      [](const IntWord& a, const IntWord&) { return (a & uint64_t{0xfff}).expr(); },
      [](const IntWord& a, const IntWord&) { return (a & ~uint64_t{0xfff}).expr(); },
      [&](const IntWord& a, const IntWord& b) { return int_bool(a == b); },
      [&](const IntWord& a, const IntWord& b) { return int_bool(a < b); },
      [&](const IntWord& a, const IntWord& b) { return int_bool(a <= b); },
      [&](const IntWord& a, const IntWord& b) { return int_bool(a > b); },
      [&](const IntWord& a, const IntWord& b) { return int_bool(a >= b); },
  }};
  for (size_t op = 0; op < int_operations.size(); ++op) {
    for (uint64_t a : values) {
      for (uint64_t b : values) {
        const uint64_t symbolic =
            evaluate(int_symbolic[op](IntWord(context, a), IntWord(context, b)));
        if (symbolic != int_operations[op].concrete(a, b)) {
          report.line(false, std::string("IntWord semantics: operator ") + int_operations[op].name +
                                 " disagrees with uint64_t on " + std::to_string(a) + ", " +
                                 std::to_string(b));
          return false;
        }
        ++checked;
      }
    }
  }
  report.line(
      true,
      "CHECKED smt::Word and smt::IntWord operators = uint64_t operators (unsigned order, wrapping "
      "arithmetic, logical shift) on " +
          std::to_string(checked) + " value pairs");
  return true;
}

}  // namespace capos::verify::smt
