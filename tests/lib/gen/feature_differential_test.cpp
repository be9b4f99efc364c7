// The generator's whole feature set over tests/lib/gen/gen_test.capnp (Bool, every integer
// width, enums, Text, Data, nested structs, lists of every element kind and lists of lists,
// unnamed and named unions, groups, non-zero defaults of every kind, recursion): random messages
// built by libcapnp read field by field identically through the generated readers; copying them
// with the generated builders gives a message libcapnp finds equal to the original.
#include <capnp/any.h>
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <kj/string.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gen_test.capnp.h"
#include "lib/capnp/message_reader.h"
#include "lib/gen/gen_test.capnp.h"
#include "tests/lib/gen/gen_test_util.h"

namespace capos::gen::test {
namespace {

namespace lib = ::gen_test_capnp;

// ---------------------------------------------------------------------------------------------
// Random fill through libcapnp (each optional part present or absent).

bool maybe() { return *rc::gen::inRange(0, 3) != 0; }
std::string random_text() {
  return *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 12),
                                          rc::gen::arbitrary<char>());
}
std::vector<uint8_t> random_data() {
  return *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 12),
                                                   rc::gen::arbitrary<uint8_t>());
}
::capnp::Text::Reader lib_text(const std::string& s) { return {s.data(), s.size()}; }
::capnp::Data::Reader lib_data(const std::vector<uint8_t>& d) { return {d.data(), d.size()}; }
unsigned random_count() { return *rc::gen::inRange(0U, 5U); }
template <typename E>
E random_enum() {
  return static_cast<E>(
      *rc::gen::oneOf(rc::gen::inRange<uint16_t>(0, 3), rc::gen::arbitrary<uint16_t>()));
}

void fill_point(lib::Point::Builder point) {
  point.setX(*rc::gen::arbitrary<int32_t>());
  point.setY(*rc::gen::arbitrary<int32_t>());
  if (maybe()) point.setLabel(lib_text(random_text()));
}

void fill_lib(lib::Everything::Builder e, int depth) {
  e.setFlag(*rc::gen::arbitrary<bool>());
  e.setI8(*rc::gen::arbitrary<int8_t>());
  e.setI16(*rc::gen::arbitrary<int16_t>());
  e.setI32(*rc::gen::arbitrary<int32_t>());
  e.setI64(*rc::gen::arbitrary<int64_t>());
  e.setU8(*rc::gen::arbitrary<uint8_t>());
  e.setU16(*rc::gen::arbitrary<uint16_t>());
  e.setU32(*rc::gen::arbitrary<uint32_t>());
  e.setU64(*rc::gen::arbitrary<uint64_t>());
  e.setColor(random_enum<lib::Color>());
  if (maybe()) e.setText(lib_text(random_text()));
  if (maybe()) e.setData(lib_data(random_data()));
  if (maybe()) fill_point(e.initPoint());
  if (maybe()) {
    auto l = e.initBools(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<bool>());
  }
  if (maybe()) {
    auto l = e.initBytes(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<uint8_t>());
  }
  if (maybe()) {
    auto l = e.initShorts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<int16_t>());
  }
  if (maybe()) {
    auto l = e.initInts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<int32_t>());
  }
  if (maybe()) {
    auto l = e.initLongs(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<uint64_t>());
  }
  if (maybe()) {
    auto l = e.initColors(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, random_enum<lib::Color>());
  }
  if (maybe()) {
    auto l = e.initTexts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) {
      if (maybe()) l.set(i, lib_text(random_text()));
    }
  }
  if (maybe()) {
    auto l = e.initBlobs(random_count());
    for (unsigned i = 0; i < l.size(); ++i) {
      if (maybe()) l.set(i, lib_data(random_data()));
    }
  }
  if (maybe()) {
    auto l = e.initPoints(random_count());
    for (unsigned i = 0; i < l.size(); ++i) fill_point(l[i]);
  }
  if (maybe()) e.initVoids(*rc::gen::inRange(0U, 100U));
  if (maybe()) {
    auto l = e.initMatrix(random_count());
    for (unsigned i = 0; i < l.size(); ++i) {
      if (!maybe()) continue;
      auto row = l.init(i, random_count());
      for (unsigned k = 0; k < row.size(); ++k) row.set(k, *rc::gen::arbitrary<int32_t>());
    }
  }
  if (maybe()) {
    auto l = e.initNestedTexts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) {
      if (!maybe()) continue;
      auto row = l.init(i, random_count());
      for (unsigned k = 0; k < row.size(); ++k) row.set(k, lib_text(random_text()));
    }
  }
  // Fields with defaults: left unset (the default) or set to anything, the default included.
  if (maybe()) e.setDFlag(*rc::gen::arbitrary<bool>());
  if (maybe()) e.setDI8(*rc::gen::arbitrary<int8_t>());
  if (maybe()) e.setDI16(*rc::gen::arbitrary<int16_t>());
  if (maybe()) e.setDI32(*rc::gen::element<int32_t>(-2147483647 - 1, 0, 1, 77));
  if (maybe()) e.setDI64(*rc::gen::arbitrary<int64_t>());
  if (maybe()) e.setDU8(*rc::gen::element<uint8_t>(200, 0, 1, 255));
  if (maybe()) e.setDU16(*rc::gen::arbitrary<uint16_t>());
  if (maybe()) e.setDU32(*rc::gen::arbitrary<uint32_t>());
  if (maybe()) e.setDU64(*rc::gen::arbitrary<uint64_t>());
  if (maybe()) e.setDColor(random_enum<lib::Color>());
  if (maybe()) e.setDText(lib_text(random_text()));
  if (maybe()) e.setDData(lib_data(random_data()));
  if (maybe()) fill_point(e.initDPoint());
  if (maybe()) {
    auto l = e.initDInts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<int32_t>());
  }
  if (maybe()) {
    auto l = e.initDTexts(random_count());
    for (unsigned i = 0; i < l.size(); ++i) l.set(i, lib_text(random_text()));
  }
  if (maybe()) {
    auto l = e.initDPoints(random_count());
    for (unsigned i = 0; i < l.size(); ++i) fill_point(l[i]);
  }
  switch (*rc::gen::inRange(0, 8)) {
    case 0: e.setNone(); break;
    case 1: e.setNumber(*rc::gen::arbitrary<uint32_t>()); break;
    case 2: e.setWord(lib_text(random_text())); break;
    case 3: fill_point(e.initPlace()); break;
    case 4: {
      auto l = e.initNumbers(random_count());
      for (unsigned i = 0; i < l.size(); ++i) l.set(i, *rc::gen::arbitrary<uint16_t>());
      break;
    }
    case 5: e.setOn(*rc::gen::arbitrary<bool>()); break;
    case 6: {
      auto pair = e.initPair();
      if (maybe()) pair.setLeft(*rc::gen::arbitrary<uint8_t>());
      if (maybe()) pair.setRight(lib_text(random_text()));
      break;
    }
    default: break;  // never set: the discriminant's default (none)
  }
  auto settings = e.getSettings();
  if (maybe()) settings.setLevel(*rc::gen::arbitrary<uint16_t>());
  switch (*rc::gen::inRange(0, 4)) {
    case 0: settings.getMode().setAutomatic(); break;
    case 1: settings.getMode().setManual(*rc::gen::arbitrary<int64_t>()); break;
    case 2: settings.getMode().setScripted(lib_text(random_text())); break;
    default: break;
  }
  if (maybe()) settings.getLimits().setLow(*rc::gen::arbitrary<int8_t>());
  if (maybe()) settings.getLimits().setHigh(*rc::gen::arbitrary<int8_t>());
  if (depth < 2 && *rc::gen::inRange(0, 3) == 0) fill_lib(e.initNext(), depth + 1);
  if (maybe()) {
    auto inner = e.initInner();
    if (maybe()) inner.setKind(random_enum<lib::Everything::Nested::Kind>());
    auto kinds = inner.initKinds(random_count());
    for (unsigned i = 0; i < kinds.size(); ++i) {
      kinds.set(i, random_enum<lib::Everything::Nested::Kind>());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Field-by-field comparison of libcapnp's reading with ours.

#define SAME(lib_expr, our_expr) RC_ASSERT((lib_expr) == (our_expr))
#define SAME_ENUM(lib_expr, our_expr) \
  RC_ASSERT(static_cast<uint16_t>(lib_expr) == static_cast<uint16_t>(our_expr))
#define SAME_BLOB(l, o, Lib, our)                                     \
  do {                                                                \
    SAME((l).has##Lib(), (o).has_##our());                            \
    RC_ASSERT(same_bytes(view((l).get##Lib()), ok((o).get_##our()))); \
  } while (0)

void same_point(lib::Point::Reader l, Point::Reader o) {
  SAME(l.getX(), o.get_x());
  SAME(l.getY(), o.get_y());
  SAME_BLOB(l, o, Label, label);
}

template <typename LibList, typename OurList>
void same_scalars(LibList l, OurList o) {
  SAME(l.size(), o.size());
  for (uint32_t i = 0; i < o.size(); ++i) SAME(l[i], o.get(i));
}
template <typename LibList, typename OurList>
void same_enums(LibList l, OurList o) {
  SAME(l.size(), o.size());
  for (uint32_t i = 0; i < o.size(); ++i) SAME_ENUM(l[i], o.get(i));
}
template <typename LibList, typename OurList>
void same_blobs(LibList l, OurList o) {
  SAME(l.size(), o.size());
  for (uint32_t i = 0; i < o.size(); ++i) RC_ASSERT(same_bytes(view(l[i]), ok(o.get(i))));
}
template <typename LibList, typename OurList>
void same_points(LibList l, OurList o) {
  SAME(l.size(), o.size());
  for (uint32_t i = 0; i < o.size(); ++i) same_point(l[i], ok(o.get(i)));
}

void same(lib::Everything::Reader l, Everything::Reader o) {  // NOLINT(misc-no-recursion)
  SAME(l.getFlag(), o.get_flag());
  SAME(l.getI8(), o.get_i8());
  SAME(l.getI16(), o.get_i16());
  SAME(l.getI32(), o.get_i32());
  SAME(l.getI64(), o.get_i64());
  SAME(l.getU8(), o.get_u8());
  SAME(l.getU16(), o.get_u16());
  SAME(l.getU32(), o.get_u32());
  SAME(l.getU64(), o.get_u64());
  SAME_ENUM(l.getColor(), o.get_color());
  SAME_BLOB(l, o, Text, text);
  SAME_BLOB(l, o, Data, data);
  SAME(l.hasPoint(), o.has_point());
  same_point(l.getPoint(), ok(o.get_point()));

  SAME(l.hasBools(), o.has_bools());
  same_scalars(l.getBools(), ok(o.get_bools()));
  same_scalars(l.getBytes(), ok(o.get_bytes()));
  same_scalars(l.getShorts(), ok(o.get_shorts()));
  same_scalars(l.getInts(), ok(o.get_ints()));
  same_scalars(l.getLongs(), ok(o.get_longs()));
  same_enums(l.getColors(), ok(o.get_colors()));
  SAME(l.hasTexts(), o.has_texts());
  same_blobs(l.getTexts(), ok(o.get_texts()));
  same_blobs(l.getBlobs(), ok(o.get_blobs()));
  same_points(l.getPoints(), ok(o.get_points()));
  SAME(l.getVoids().size(), ok(o.get_voids()).size());
  const auto matrix = ok(o.get_matrix());
  SAME(l.getMatrix().size(), matrix.size());
  for (uint32_t i = 0; i < matrix.size(); ++i) same_scalars(l.getMatrix()[i], ok(matrix.get(i)));
  const auto nested_texts = ok(o.get_nested_texts());
  SAME(l.getNestedTexts().size(), nested_texts.size());
  for (uint32_t i = 0; i < nested_texts.size(); ++i) {
    same_blobs(l.getNestedTexts()[i], ok(nested_texts.get(i)));
  }

  SAME(l.getDFlag(), o.get_d_flag());
  SAME(l.getDI8(), o.get_d_i8());
  SAME(l.getDI16(), o.get_d_i16());
  SAME(l.getDI32(), o.get_d_i32());
  SAME(l.getDI64(), o.get_d_i64());
  SAME(l.getDU8(), o.get_d_u8());
  SAME(l.getDU16(), o.get_d_u16());
  SAME(l.getDU32(), o.get_d_u32());
  SAME(l.getDU64(), o.get_d_u64());
  SAME_ENUM(l.getDColor(), o.get_d_color());
  SAME_BLOB(l, o, DText, d_text);
  SAME_BLOB(l, o, DData, d_data);
  SAME(l.hasDPoint(), o.has_d_point());
  same_point(l.getDPoint(), ok(o.get_d_point()));
  same_scalars(l.getDInts(), ok(o.get_d_ints()));
  same_blobs(l.getDTexts(), ok(o.get_d_texts()));
  same_points(l.getDPoints(), ok(o.get_d_points()));

  SAME_ENUM(l.which(), o.which());
  SAME(l.isNone(), o.is_none());
  SAME(l.isNumber(), o.is_number());
  SAME(l.isPair(), o.is_pair());
  switch (l.which()) {
    case lib::Everything::NUMBER: SAME(l.getNumber(), o.get_number()); break;
    case lib::Everything::WORD: SAME_BLOB(l, o, Word, word); break;
    case lib::Everything::PLACE:
      SAME(l.hasPlace(), o.has_place());
      same_point(l.getPlace(), ok(o.get_place()));
      break;
    case lib::Everything::NUMBERS: same_scalars(l.getNumbers(), ok(o.get_numbers())); break;
    case lib::Everything::ON: SAME(l.getOn(), o.get_on()); break;
    case lib::Everything::PAIR:
      SAME(l.getPair().getLeft(), o.get_pair().get_left());
      SAME_BLOB(l.getPair(), o.get_pair(), Right, right);
      break;
    default: break;
  }
  if (!l.isNumber()) SAME(o.get_number(), 0U);  // inactive members read as their defaults
  if (!l.isPair()) SAME(o.get_pair().get_left(), 5);
  if (!l.isWord()) SAME(o.has_word(), false);

  const auto ls = l.getSettings();
  const auto os = o.get_settings();
  SAME(ls.getLevel(), os.get_level());
  SAME_ENUM(ls.getMode().which(), os.get_mode().which());
  if (ls.getMode().isManual()) SAME(ls.getMode().getManual(), os.get_mode().get_manual());
  if (ls.getMode().isScripted()) SAME_BLOB(ls.getMode(), os.get_mode(), Scripted, scripted);
  SAME(ls.getLimits().getLow(), os.get_limits().get_low());
  SAME(ls.getLimits().getHigh(), os.get_limits().get_high());

  SAME(l.hasNext(), o.has_next());
  if (l.hasNext()) same(l.getNext(), ok(o.get_next()));
  SAME(l.hasInner(), o.has_inner());
  const auto inner = ok(o.get_inner());
  SAME_ENUM(l.getInner().getKind(), inner.get_kind());
  same_enums(l.getInner().getKinds(), ok(inner.get_kinds()));
}

// ---------------------------------------------------------------------------------------------
// A full copy through the generated API: every getter feeds the matching setter.

void copy_point(Point::Reader from, Point::Builder to) {
  to.set_x(from.get_x());
  to.set_y(from.get_y());
  if (from.has_label()) ok(to.set_label(ok(from.get_label())));
}

template <typename From, typename To>
void copy_scalars(From from, To to) {
  for (uint32_t i = 0; i < from.size(); ++i) to.set(i, from.get(i));
}
template <typename From, typename To>
void copy_blobs(From from, To to) {
  for (uint32_t i = 0; i < from.size(); ++i) {
    if (!from.raw().pointer(i)->is_null()) ok(to.set(i, ok(from.get(i))));
  }
}

#define COPY_LIST(name, how)                        \
  if (from.has_##name()) {                          \
    const auto source = ok(from.get_##name());      \
    how(source, ok(to.init_##name(source.size()))); \
  }

void copy_points(StructList<Point>::Reader from, StructList<Point>::Builder to) {
  for (uint32_t i = 0; i < from.size(); ++i) copy_point(ok(from.get(i)), to.get(i));
}

void copy(Everything::Reader from, Everything::Builder to) {  // NOLINT(misc-no-recursion)
  to.set_flag(from.get_flag());
  to.set_i8(from.get_i8());
  to.set_i16(from.get_i16());
  to.set_i32(from.get_i32());
  to.set_i64(from.get_i64());
  to.set_u8(from.get_u8());
  to.set_u16(from.get_u16());
  to.set_u32(from.get_u32());
  to.set_u64(from.get_u64());
  to.set_color(from.get_color());
  if (from.has_text()) ok(to.set_text(ok(from.get_text())));
  if (from.has_data()) ok(to.set_data(ok(from.get_data())));
  if (from.has_point()) copy_point(ok(from.get_point()), ok(to.init_point()));
  COPY_LIST(bools, copy_scalars)
  COPY_LIST(bytes, copy_scalars)
  COPY_LIST(shorts, copy_scalars)
  COPY_LIST(ints, copy_scalars)
  COPY_LIST(longs, copy_scalars)
  COPY_LIST(colors, copy_scalars)
  COPY_LIST(texts, copy_blobs)
  COPY_LIST(blobs, copy_blobs)
  COPY_LIST(points, copy_points)
  if (from.has_voids()) ok(to.init_voids(ok(from.get_voids()).size()));
  if (from.has_matrix()) {
    const auto source = ok(from.get_matrix());
    const auto target = ok(to.init_matrix(source.size()));
    for (uint32_t i = 0; i < source.size(); ++i) {
      if (source.raw().pointer(i)->is_null()) continue;
      const auto row = ok(source.get(i));
      copy_scalars(row, ok(target.init(i, row.size())));
    }
  }
  if (from.has_nested_texts()) {
    const auto source = ok(from.get_nested_texts());
    const auto target = ok(to.init_nested_texts(source.size()));
    for (uint32_t i = 0; i < source.size(); ++i) {
      if (source.raw().pointer(i)->is_null()) continue;
      const auto row = ok(source.get(i));
      copy_blobs(row, ok(target.init(i, row.size())));
    }
  }
  to.set_d_flag(from.get_d_flag());
  to.set_d_i8(from.get_d_i8());
  to.set_d_i16(from.get_d_i16());
  to.set_d_i32(from.get_d_i32());
  to.set_d_i64(from.get_d_i64());
  to.set_d_u8(from.get_d_u8());
  to.set_d_u16(from.get_d_u16());
  to.set_d_u32(from.get_d_u32());
  to.set_d_u64(from.get_d_u64());
  to.set_d_color(from.get_d_color());
  if (from.has_d_text()) ok(to.set_d_text(ok(from.get_d_text())));
  if (from.has_d_data()) ok(to.set_d_data(ok(from.get_d_data())));
  if (from.has_d_point()) copy_point(ok(from.get_d_point()), ok(to.init_d_point()));
  COPY_LIST(d_ints, copy_scalars)
  COPY_LIST(d_texts, copy_blobs)
  COPY_LIST(d_points, copy_points)
  switch (from.which()) {
    case Everything::Which::None: to.set_none(); break;
    case Everything::Which::Number: to.set_number(from.get_number()); break;
    case Everything::Which::Word: ok(to.set_word(ok(from.get_word()))); break;
    case Everything::Which::Place: copy_point(ok(from.get_place()), ok(to.init_place())); break;
    case Everything::Which::Numbers: COPY_LIST(numbers, copy_scalars) break;
    case Everything::Which::On: to.set_on(from.get_on()); break;
    case Everything::Which::Pair: {
      const auto pair = to.init_pair();
      pair.set_left(from.get_pair().get_left());
      if (from.get_pair().has_right()) ok(pair.set_right(ok(from.get_pair().get_right())));
      break;
    }
  }
  const auto settings = to.get_settings();
  settings.set_level(from.get_settings().get_level());
  const auto mode = from.get_settings().get_mode();
  switch (mode.which()) {
    case Everything::Settings::Mode::Which::Automatic: settings.get_mode().set_automatic(); break;
    case Everything::Settings::Mode::Which::Manual:
      settings.get_mode().set_manual(mode.get_manual());
      break;
    case Everything::Settings::Mode::Which::Scripted:
      ok(settings.get_mode().set_scripted(ok(mode.get_scripted())));
      break;
  }
  settings.get_limits().set_low(from.get_settings().get_limits().get_low());
  settings.get_limits().set_high(from.get_settings().get_limits().get_high());
  if (from.has_next()) copy(ok(from.get_next()), ok(to.init_next()));
  if (from.has_inner()) {
    const auto inner = ok(from.get_inner());
    const auto target = ok(to.init_inner());
    target.set_kind(inner.get_kind());
    if (inner.has_kinds()) {
      const auto kinds = ok(inner.get_kinds());
      copy_scalars(kinds, ok(target.init_kinds(kinds.size())));
    }
  }
}

// ---------------------------------------------------------------------------------------------

RC_GTEST_PROP(GenFeatures, LibcapnpBuiltReadsIdenticallyThroughGeneratedReaders, ()) {
  ::capnp::MallocMessageBuilder builder(random_first_segment_words(),
                                        ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
  fill_lib(builder.initRoot<lib::Everything>(), 0);
  const std::vector<uint8_t> bytes = to_bytes(builder);
  capnp::MessageReader reader;
  ok(reader.parse(view(bytes)));
  const Everything::Reader ours = ok(read_root<Everything>(reader));
  ok(ours.validate());
  LibMessage lib(bytes);
  same(lib.root<lib::Everything>(), ours);
  count_differential_case();
}

RC_GTEST_PROP(GenFeatures, GeneratedBuildersCopyToAMessageLibcapnpFindsEqual, ()) {
  ::capnp::MallocMessageBuilder builder(random_first_segment_words(),
                                        ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
  fill_lib(builder.initRoot<lib::Everything>(), 0);
  const std::vector<uint8_t> original = to_bytes(builder);
  capnp::MessageReader reader;
  ok(reader.parse(view(original)));
  OurMessage message(random_segments());
  copy(ok(read_root<Everything>(reader)), ok(init_root<Everything>(message.builder())));
  const std::vector<uint8_t> copied = message.serialize();

  LibMessage lib_original(original);
  LibMessage lib_copy(copied);
  const auto equality = lib_original.any_root().equals(lib_copy.any_root());
  if (equality != ::capnp::Equality::EQUAL) {
    RC_FAIL(std::string("copy differs:\n") + kj::str(lib_original.root<lib::Everything>()).cStr() +
            "\nvs\n" + kj::str(lib_copy.root<lib::Everything>()).cStr());
  }
  // And our readers agree with libcapnp on the copy too.
  capnp::MessageReader copy_reader;
  ok(copy_reader.parse(view(copied)));
  same(lib_copy.root<lib::Everything>(), ok(read_root<Everything>(copy_reader)));
  count_differential_case();
}

// Every getter of an empty struct returns the schema default, as libcapnp's do; so does a
// struct written by an older schema with no data or pointer section at all.
TEST(GenFeatures, DefaultsOfEveryKind) {
  ::capnp::MallocMessageBuilder builder;
  builder.initRoot<lib::Shape>();  // a smaller struct in the root position
  const std::vector<uint8_t> small = to_bytes(builder);
  ::capnp::MallocMessageBuilder empty_builder;
  empty_builder.initRoot<lib::Everything>();
  const std::vector<uint8_t> empty = to_bytes(empty_builder);
  for (const auto* bytes : {&small, &empty}) {
    capnp::MessageReader reader;
    ASSERT_TRUE(reader.parse(view(*bytes)).has_value());
    const auto ours = read_root<Everything>(reader);
    ASSERT_TRUE(ours.has_value());
    LibMessage lib(*bytes);
    const auto check = [&] { same(lib.root<lib::Everything>(), *ours); };
    ASSERT_TRUE(rc::check("defaults", check));
    EXPECT_TRUE(ours->get_d_flag());
    EXPECT_EQ(ours->get_d_i32(), -2147483647 - 1);
    EXPECT_EQ(ours->get_d_u64(), 0xfedcba9876543210U);
    EXPECT_EQ(ours->get_d_color(), Color::Green);
    EXPECT_EQ(text(*ours->get_d_text()), "default");
    const auto point = ours->get_d_point();
    ASSERT_TRUE(point.has_value());
    EXPECT_EQ(point->get_y(), -4);
    EXPECT_EQ(text(*point->get_label()), "origin");
    const auto texts = ours->get_d_texts();
    ASSERT_TRUE(texts.has_value());
    ASSERT_EQ(texts->size(), 3U);
    EXPECT_EQ(text(*texts->get(2)), "ccc");
    EXPECT_EQ(ours->get_settings().get_level(), 3);
    EXPECT_EQ(ours->get_settings().get_limits().get_high(), 100);
    EXPECT_EQ(ours->get_inner()->get_kind(), Everything::Nested::Kind::Beta);
    EXPECT_TRUE(ours->validate().has_value());
    count_differential_case();
  }
}

}  // namespace
}  // namespace capos::gen::test
