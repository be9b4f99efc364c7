# Test schema for lib/capnp: every field type the reader and builder must handle. Compiled
# with libcapnp's C++ generator in the test build; the differential tests walk it through
# libcapnp's schema API, so adding a field here adds it to every differential property.
@0xc7d9a3b1e2f40581;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capnp_test_schema");

enum Color {
  red @0;
  green @1;
  blue @2;
  violet @3;
}

struct Inner {
  id @0 :UInt32;
  name @1 :Text;
  flag @2 :Bool;
  values @3 :List(Int16);
}

struct Small {
  tiny @0 :UInt8;
}

struct AllTypes {
  voidField @0 :Void;
  boolField @1 :Bool;
  int8Field @2 :Int8;
  int16Field @3 :Int16;
  int32Field @4 :Int32;
  int64Field @5 :Int64;
  uint8Field @6 :UInt8;
  uint16Field @7 :UInt16;
  uint32Field @8 :UInt32;
  uint64Field @9 :UInt64;
  float32Field @10 :Float32;
  float64Field @11 :Float64;
  textField @12 :Text;
  dataField @13 :Data;
  structField @14 :Inner;
  enumField @15 :Color;

  voidList @16 :List(Void);
  boolList @17 :List(Bool);
  int8List @18 :List(Int8);
  int16List @19 :List(Int16);
  int32List @20 :List(Int32);
  int64List @21 :List(Int64);
  uint8List @22 :List(UInt8);
  uint16List @23 :List(UInt16);
  uint32List @24 :List(UInt32);
  uint64List @25 :List(UInt64);
  float32List @26 :List(Float32);
  float64List @27 :List(Float64);
  textList @28 :List(Text);
  dataList @29 :List(Data);
  structList @30 :List(Inner);
  enumList @31 :List(Color);
  listList @32 :List(List(UInt16));
  textListList @33 :List(List(Text));
  structListList @34 :List(List(Inner));
  smallList @35 :List(Small);

  choice :union {
    none @36 :Void;
    number @37 :UInt32;
    word @38 :Text;
    nested @39 :Inner;
    flag @40 :Bool;
    numbers @41 :List(UInt64);
  }

  group :group {
    x @42 :UInt16;
    y @43 :Text;
    innerChoice :union {
      a @44 :Int64;
      b @45 :Data;
    }
  }

  # Non-zero defaults: the wire holds value XOR default.
  defaultBool @46 :Bool = true;
  defaultInt8 @47 :Int8 = -7;
  defaultInt16 @48 :Int16 = -1234;
  defaultInt32 @49 :Int32 = -123456789;
  defaultInt64 @50 :Int64 = -1234567890123;
  defaultUint8 @51 :UInt8 = 200;
  defaultUint16 @52 :UInt16 = 54321;
  defaultUint32 @53 :UInt32 = 0xdeadbeef;
  defaultUint64 @54 :UInt64 = 0xfedcba9876543210;
  defaultFloat32 @55 :Float32 = 1.5;
  defaultFloat64 @56 :Float64 = -2.25;
  defaultEnum @57 :Color = violet;
  defaultText @58 :Text = "default text";
  defaultData @59 :Data = 0x"de ad be ef";
  defaultStruct @60 :Inner = (id = 77, name = "inner default", flag = true, values = [1, -2, 3]);
  defaultList @61 :List(Int32) = [10, -20, 30];
  defaultTextList @62 :List(Text) = ["a", "bc"];
  defaultStructList @63 :List(Inner) = [(id = 1), (id = 2, name = "two")];

  recursive @64 :AllTypes;
}
