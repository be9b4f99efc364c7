# Test schema for tools/capnpc-capos: every construct the generator supports, beyond what
# schema/capos.capnp happens to use today (Bool, groups, named unions, non-zero defaults of every
# kind, nested declarations, lists of lists, constants). The test build generates lib/gen-style
# code from it with our plugin and libcapnp's C++ from it, and the tests compare the two.
@0xd3c4b5a697887960;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gen_test_capnp");

const answer :UInt32 = 42;
const negative :Int64 = -9223372036854775808;
const enabled :Bool = true;
const greeting :Text = "hello";
const blob :Data = 0x"00 ff 7f";

enum Color {
  red @0;
  green @1;
  blue @2;  # the default of Shape.color
}

const favourite :Color = blue;  # after Color: libcapnp's C++ needs the enum declared first

struct Point {
  x @0 :Int32;
  y @1 :Int32;
  label @2 :Text;
}

struct Everything {
  # Scalars and blobs, each once with a zero default.
  flag @0 :Bool;
  i8 @1 :Int8;
  i16 @2 :Int16;
  i32 @3 :Int32;
  i64 @4 :Int64;
  u8 @5 :UInt8;
  u16 @6 :UInt16;
  u32 @7 :UInt32;
  u64 @8 :UInt64;
  color @9 :Color;
  text @10 :Text;
  data @11 :Data;
  point @12 :Point;
  nothing @13 :Void;

  # Lists of every element kind.
  bools @14 :List(Bool);
  bytes @15 :List(UInt8);
  shorts @16 :List(Int16);
  ints @17 :List(Int32);
  longs @18 :List(UInt64);
  colors @19 :List(Color);
  texts @20 :List(Text);
  blobs @21 :List(Data);
  points @22 :List(Point);
  voids @23 :List(Void);
  matrix @24 :List(List(Int32));
  nestedTexts @25 :List(List(Text));

  # Non-zero defaults of every kind: the wire holds value XOR default.
  dFlag @26 :Bool = true;
  dI8 @27 :Int8 = -100;
  dI16 @28 :Int16 = -30000;
  dI32 @29 :Int32 = -2147483648;
  dI64 @30 :Int64 = -9223372036854775808;
  dU8 @31 :UInt8 = 200;
  dU16 @32 :UInt16 = 65535;
  dU32 @33 :UInt32 = 0xdeadbeef;
  dU64 @34 :UInt64 = 0xfedcba9876543210;
  dColor @35 :Color = green;
  dText @36 :Text = "default";
  dData @37 :Data = 0x"de ad";
  dPoint @38 :Point = (x = 3, y = -4, label = "origin");
  dInts @39 :List(Int32) = [7, -8, 9];
  dTexts @40 :List(Text) = ["a", "", "ccc"];
  dPoints @41 :List(Point) = [(x = 1), (y = 2, label = "two")];

  # An unnamed union with one member of each kind, a group among them.
  union {
    none @42 :Void;
    number @43 :UInt32;
    word @44 :Text;
    place @45 :Point;
    numbers @46 :List(UInt16);
    on @47 :Bool;
    pair :group {
      left @48 :UInt8 = 5;
      right @49 :Text;
    }
  }

  # A group holding a named union and a nested group.
  settings :group {
    level @50 :UInt16 = 3;
    mode :union {
      automatic @51 :Void;
      manual @52 :Int64;
      scripted @53 :Text;
    }
    limits :group {
      low @54 :Int8;
      high @55 :Int8 = 100;
    }
  }

  next @56 :Everything;  # recursive: validate() is bounded by the nesting limit
  inner @57 :Nested;

  struct Nested {
    const limit :UInt16 = 7;
    enum Kind {
      alpha @0;
      beta @1;
    }
    kind @0 :Kind = beta;
    kinds @1 :List(Kind);
  }
}

struct Shape {
  color @0 :Color = blue;
}

struct Request {
  target @0 :Point;
  tags @1 :List(Text);
}

interface Calculator {
  # Exercises the client and server code paths.
  add @0 (a :Int32, b :Int32) -> (sum :Int64);
  # Flat params: the client takes them as arguments.
  describe @1 (name :Text, payload :Data, color :Color, loud :Bool) -> (summary :Text);
  submit @2 Request -> Shape;
  # Named param and result structs.
  reset @3 () -> ();
  collect @4 (points :List(Point)) -> (count :UInt32, points :List(Point));
}

interface Silent {
  # No methods: every id is BadMethod.
}
