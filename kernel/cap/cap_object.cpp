#include "kernel/cap/cap_object.h"

namespace capos::kernel {

CallResult CapObject::call(const CallContext& context, uint16_t method_id, ByteView params,
                           MutableByteView result) {
  // SPEC §3: a call is accepted only if the cap's interface matches the object's.
  if (context.interface_id != m_interface_id) {
    return CallFailure{.code = Error::BadInterface};
  }
  return invoke(context, method_id, params, result);
}

CallFailure handler_failure(Error error, const char* detail) {
  switch (error) {
    case Error::QuotaExceeded: return CallFailure{.code = Error::QuotaExceeded};
    case Error::TooBig: return CallFailure{.code = Error::TooBig};
    case Error::InvalidArgument:
    case Error::OutOfRange:
      return CallFailure{.code = Error::ApplicationException,
                         .exception = gen::ExceptionType::InvalidArgument,
                         .message = detail};
    default:
      return CallFailure{.code = Error::ApplicationException,
                         .exception = gen::ExceptionType::Failed,
                         .message = detail};
  }
}

CallFailure dispatch_failure(const gen::DispatchError& error, const char* detail) {
  switch (error.stage) {
    case gen::DispatchStage::Method: return CallFailure{.code = Error::BadMethod};
    case gen::DispatchStage::Params: return CallFailure{.code = Error::InvalidArgument};
    case gen::DispatchStage::Results: return CallFailure{.code = Error::TooBig};
    case gen::DispatchStage::Handler: return handler_failure(error.error, detail);
  }
  return CallFailure{.code = Error::InvalidArgument};
}

}  // namespace capos::kernel
