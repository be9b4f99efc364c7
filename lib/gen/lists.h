// lib/gen/lists.h — typed views of Cap'n Proto lists for generated code: List(T) of integers,
// Bool and enums (PrimitiveList), Void, Text and Data (VoidList, TextList, DataList), structs
// (StructList) and lists (ListList), each with a Reader over capnp::ListReader and a Builder over
// capnp::ListBuilder, plus validate() for the dispatchers' decode step.
//
// Freestanding; nothing allocates. Readers and builders borrow their message (lib/capnp).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/capnp/builder.h"
#include "lib/capnp/capnp_error.h"
#include "lib/capnp/reader.h"
#include "lib/capnp/wire.h"
#include "lib/core/bytes.h"
#include "lib/core/result.h"

namespace capos::gen {

using capnp::CapnpError;
using capnp::CapnpResult;

// validate() of a non-null struct or list field: the pointer decodes and its target validates.
// Recursive only for recursive schema types, whose depth the reader's nesting limit bounds (each
// level follows a real pointer; null ones are not followed).
template <typename R>
// NOLINTNEXTLINE(misc-no-recursion)
[[nodiscard]] CapnpResult<void> validate_pointer(const CapnpResult<R>& field) {
  if (!field.has_value()) return field.error();
  return field->validate();
}

// Elements of PrimitiveList: integers, Bool and generated enums (all uint16_t-based).
template <typename T>
concept PrimitiveElement = std::integral<T> || std::is_enum_v<T>;

template <PrimitiveElement T>
[[nodiscard]] constexpr capnp::ElementSize element_size_of() {
  if constexpr (std::same_as<T, bool>) return capnp::ElementSize::Bit;
  constexpr size_t bytes = sizeof(T);
  if constexpr (bytes == 1) return capnp::ElementSize::Byte;
  if constexpr (bytes == 2) return capnp::ElementSize::TwoBytes;
  if constexpr (bytes == 4) return capnp::ElementSize::FourBytes;
  return capnp::ElementSize::EightBytes;
}

// List(T) for a primitive or enum T. Enum elements may hold values the schema does not name
// (a newer writer); callers check them with the generated is_known().
template <PrimitiveElement T>
struct PrimitiveList {
  // NOLINTNEXTLINE(bugprone-dynamic-static-initializers): constexpr, so constant-initialized
  static constexpr capnp::ElementSize ELEMENT_SIZE = element_size_of<T>();
  using Raw = typename std::conditional_t<std::is_enum_v<T>, std::underlying_type<T>,
                                          std::type_identity<T>>::type;

  class Reader {
   public:
    Reader() = default;
    explicit Reader(capnp::ListReader list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    // Index >= size() reads as 0 (lib/capnp); loops bound it by size().
    [[nodiscard]] T get(uint32_t index) const {
      if constexpr (std::same_as<T, bool>) {
        return m_list.get_bool(index);
      } else {
        return static_cast<T>(m_list.get<Raw>(index));
      }
    }
    [[nodiscard]] capnp::ListReader raw() const { return m_list; }
    [[nodiscard]] CapnpResult<void> validate() const { return {}; }

   private:
    capnp::ListReader m_list;
  };

  class Builder {
   public:
    explicit Builder(capnp::ListBuilder list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    // Precondition (KASSERT in lib/capnp): index < size().
    void set(uint32_t index, T value) const {
      if constexpr (std::same_as<T, bool>) {
        m_list.set_bool(index, value);
      } else {
        m_list.set<Raw>(index, static_cast<Raw>(value));
      }
    }
    [[nodiscard]] capnp::ListBuilder raw() const { return m_list; }

   private:
    capnp::ListBuilder m_list;
  };

  [[nodiscard]] static CapnpResult<Builder> init(capnp::PointerBuilder pointer, uint32_t count) {
    return Builder(TRY(pointer.init_list(ELEMENT_SIZE, count)));
  }
};

// List(Void): only a length.
struct VoidList {
  static constexpr capnp::ElementSize ELEMENT_SIZE = capnp::ElementSize::Void;
  class Reader {
   public:
    Reader() = default;
    explicit Reader(capnp::ListReader list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<void> validate() const { return {}; }

   private:
    capnp::ListReader m_list;
  };
  class Builder {
   public:
    explicit Builder(capnp::ListBuilder list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }

   private:
    capnp::ListBuilder m_list;
  };
  [[nodiscard]] static CapnpResult<Builder> init(capnp::PointerBuilder pointer, uint32_t count) {
    return Builder(TRY(pointer.init_list(ELEMENT_SIZE, count)));
  }
};

// List(Text) and List(Data): elements are byte views (Text without its NUL terminator).
enum class BlobKind : uint8_t { Text, Data };

template <BlobKind Kind>
struct BlobList {
  static constexpr capnp::ElementSize ELEMENT_SIZE = capnp::ElementSize::Pointer;
  class Reader {
   public:
    Reader() = default;
    explicit Reader(capnp::ListReader list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<ByteView> get(uint32_t index) const {
      if constexpr (Kind == BlobKind::Text) return m_list.get_text(index);
      return m_list.get_data(index);
    }
    [[nodiscard]] capnp::ListReader raw() const { return m_list; }
    [[nodiscard]] CapnpResult<void> validate() const {
      for (uint32_t i = 0; i < size(); ++i) TRY(get(i));
      return {};
    }

   private:
    capnp::ListReader m_list;
  };
  class Builder {
   public:
    explicit Builder(capnp::ListBuilder list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<void> set(uint32_t index, ByteView value) const {
      const capnp::PointerBuilder pointer = TRY(m_list.pointer(index));
      if constexpr (Kind == BlobKind::Text) return pointer.set_text(value);
      return pointer.set_data(value);
    }
    [[nodiscard]] capnp::ListBuilder raw() const { return m_list; }

   private:
    capnp::ListBuilder m_list;
  };
  [[nodiscard]] static CapnpResult<Builder> init(capnp::PointerBuilder pointer, uint32_t count) {
    return Builder(TRY(pointer.init_list(ELEMENT_SIZE, count)));
  }
};
using TextList = BlobList<BlobKind::Text>;
using DataList = BlobList<BlobKind::Data>;

// List(S) for a generated struct S (always inline-composite on the wire, as libcapnp writes).
template <typename S>
struct StructList {
  static constexpr capnp::ElementSize ELEMENT_SIZE = capnp::ElementSize::InlineComposite;
  class Reader {
   public:
    Reader() = default;
    explicit Reader(capnp::ListReader list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<typename S::Reader> get(uint32_t index) const {
      return typename S::Reader(TRY(m_list.get_struct(index)));
    }
    [[nodiscard]] capnp::ListReader raw() const { return m_list; }
    [[nodiscard]] CapnpResult<void> validate() const {
      for (uint32_t i = 0; i < size(); ++i) TRY(validate_pointer(get(i)));
      return {};
    }

   private:
    capnp::ListReader m_list;
  };
  class Builder {
   public:
    explicit Builder(capnp::ListBuilder list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    // Precondition (KASSERT in lib/capnp): index < size().
    [[nodiscard]] typename S::Builder get(uint32_t index) const {
      return typename S::Builder(m_list.struct_element(index));
    }
    [[nodiscard]] capnp::ListBuilder raw() const { return m_list; }

   private:
    capnp::ListBuilder m_list;
  };
  [[nodiscard]] static CapnpResult<Builder> init(capnp::PointerBuilder pointer, uint32_t count) {
    return Builder(TRY(pointer.init_struct_list(count, S::STRUCT_SIZE)));
  }
};

// List(L) for another list wrapper L.
template <typename L>
struct ListList {
  static constexpr capnp::ElementSize ELEMENT_SIZE = capnp::ElementSize::Pointer;
  class Reader {
   public:
    Reader() = default;
    explicit Reader(capnp::ListReader list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<typename L::Reader> get(uint32_t index) const {
      return typename L::Reader(TRY(m_list.get_list(index, L::ELEMENT_SIZE)));
    }
    [[nodiscard]] capnp::ListReader raw() const { return m_list; }
    [[nodiscard]] CapnpResult<void> validate() const {
      for (uint32_t i = 0; i < size(); ++i) TRY(validate_pointer(get(i)));
      return {};
    }

   private:
    capnp::ListReader m_list;
  };
  class Builder {
   public:
    explicit Builder(capnp::ListBuilder list) : m_list(list) {}
    [[nodiscard]] uint32_t size() const { return m_list.size(); }
    [[nodiscard]] CapnpResult<typename L::Builder> init(uint32_t index, uint32_t count) const {
      return L::init(TRY(m_list.pointer(index)), count);
    }
    [[nodiscard]] capnp::ListBuilder raw() const { return m_list; }

   private:
    capnp::ListBuilder m_list;
  };
  [[nodiscard]] static CapnpResult<Builder> init(capnp::PointerBuilder pointer, uint32_t count) {
    return Builder(TRY(pointer.init_list(ELEMENT_SIZE, count)));
  }
};

}  // namespace capos::gen
