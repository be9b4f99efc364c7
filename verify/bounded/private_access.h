// verify/bounded/private_access.h — read and write the private fields of a lib/ object.
//
// The explorers store each state as a canonical byte string and rebuild the real object from it
// before every operation, so they need every field of the object, not only its public view. The
// standard allows naming a private member in the template arguments of an explicit
// instantiation ([temp.spec.general]: access checking does not apply there); PRIVATE_MEMBER
// uses that once per field to publish a pointer-to-member under a tag type, without changing
// the library. A renamed or retyped field breaks the build here, which keeps the explorers in
// step with the code they check.
#pragma once

namespace capos::verify {

template <typename Tag, auto Member>
struct ExposeMember {
  friend constexpr auto member_pointer(Tag) { return Member; }
};

}  // namespace capos::verify

// Declares `Tag` and binds it to `Class::member` (which may be private).
// Use: `object.*member_pointer(Tag{})`.
#define PRIVATE_MEMBER(Tag, Class, member)     \
  struct Tag {                                 \
    friend constexpr auto member_pointer(Tag); \
  };                                           \
  template struct ::capos::verify::ExposeMember<Tag, &Class::member>
