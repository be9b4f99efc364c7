#include "kernel/cap/cap_object.h"

namespace capos::kernel {

CallResult CapObject::call(const CallContext& context, uint16_t method_id, ByteView params,
                           MutableByteView result) {
  // SPEC §3: a call is accepted only if the cap's interface matches the object's.
  if (context.interface_id != m_interface_id) {
    return CallFailure{.code = TransportCode::BadInterface};
  }
  return invoke(context, method_id, params, result);
}

CallFailure handler_failure(Error error, const char* detail) {
  switch (error) {
    case Error::QuotaExceeded: return CallFailure{.code = TransportCode::Quota};
    case Error::TooBig: return CallFailure{.code = TransportCode::TooBig};
    case Error::InvalidArgument:
    case Error::OutOfRange:
      return CallFailure{.code = TransportCode::ApplicationException,
                         .exception = gen::ExceptionType::InvalidArgument,
                         .message = detail};
    default:
      return CallFailure{.code = TransportCode::ApplicationException,
                         .exception = gen::ExceptionType::Failed,
                         .message = detail};
  }
}

CallFailure dispatch_failure(const gen::DispatchError& error, const char* detail) {
  switch (error.stage) {
    case gen::DispatchStage::Method: return CallFailure{.code = TransportCode::BadMethod};
    case gen::DispatchStage::Params: return CallFailure{.code = TransportCode::Invalid};
    case gen::DispatchStage::Results: return CallFailure{.code = TransportCode::TooBig};
    case gen::DispatchStage::Handler: return handler_failure(error.error, detail);
  }
  return CallFailure{.code = TransportCode::Invalid};
}

}  // namespace capos::kernel
