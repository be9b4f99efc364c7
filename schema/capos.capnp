@0xb246f59a0ebaa019;
# capOS schema: every kernel-visible interface, the boot manifest and the ring ABI constants.
#
# This file is part of the trusted computing base (seed §1): a change here changes what
# authority exists. Review rules (docs/REVIEW.md "Schema change"): keep the wire format
# backward-compatible or document the migration in docs/abi.md; every method states who mints
# the capability that allows calling it ("Minted by"); no method may hand out authority that its
# caller does not already hold or that the interface does not name.
#
# The interface is the permission: a narrower authority is a different interface (a facet),
# never a rights bit. Capabilities returned by a call arrive as result-cap records after the
# payload (SPEC §4); a payload field typed `ResultCap` is an index into those records, never a
# CapId. Floating-point types are deliberately absent: freestanding code has no FPU state.

using ResultCap = UInt32;
# Index of a result-cap record in the completion that carried this payload.

# ---------------------------------------------------------------------------------------------
# Ring ABI v1 constants (SPEC §4). The normative layout lives in lib/ring/abi.h with
# static_asserts; these mirror it so schema-driven tools see the same numbers.

const ringAbiVersion :UInt32 = 1;
const ringVaddr :UInt64 = 0x00007fffffffe000;
const capsetVaddr :UInt64 = 0x00007fffffffc000;
const userStackTop :UInt64 = 0x00007ffffff00000;
const userSegmentLimit :UInt64 = 0x00007fff00000000;
const sqEntries :UInt32 = 16;
const cqEntries :UInt32 = 32;
const maxTransferCaps :UInt32 = 4;

enum RingOpcode {
  nop @0;
  call @1;
  recv @2;
  return @3;
  release @4;
  # 5 (finish) and above are reserved and complete with CAP_ERR_BAD_OPCODE.
}

enum TransferMode {
  invalid @0;  # never valid on the wire; present so a zeroed descriptor is rejected
  copy @1;
  move @2;
}

# ---------------------------------------------------------------------------------------------
# Errors, layer 2 (SPEC §4 "Errors, three layers"): a serialized CapException in the result
# buffer with CAP_ERR_APPLICATION_EXCEPTION(_TRUNCATED). Messages never contain kernel pointers.

enum ExceptionType {
  failed @0;           # the target hit an invariant failure while serving the call
  overloaded @1;       # a bounded queue or quota refused the call; retrying later may work
  disconnected @2;     # the target object or its serving process is gone
  unimplemented @3;    # the interface declares the method but this object does not offer it
  invalidArgument @4;  # the params decoded but were rejected by the method's rules
}

struct CapException {
  type @0 :ExceptionType;
  message @1 :Text;  # diagnostic only, bounded (<= 256 bytes), never kernel pointers
}

# ---------------------------------------------------------------------------------------------
# Kernel capability interfaces (SPEC §3). For each: who mints it, then its methods.

interface Console {
  # Minted by the kernel at boot and granted to init (SPEC §7); processes get it only by a copy
  # that init (or another holder) makes when spawning. Writes are bounded per call and charged to
  # the caller's log-byte quota.
  write @0 (data :Data) -> ();
  # Allowed to: any holder of Console. Writes raw bytes (<= 4096 per call) to the console.
  writeLine @1 (text :Text) -> ();
  # Allowed to: any holder of Console. Writes text (<= 4096 bytes) followed by a newline.
}

interface Timer {
  # Minted by the kernel at boot; granted by the manifest to the services that need time.
  now @0 () -> (ns :UInt64);
  # Allowed to: any holder of Timer. Monotonic nanoseconds since boot.
  sleep @1 (ns :UInt64) -> ();
  # Allowed to: any holder of Timer. Completes after at least `ns` nanoseconds.
}

interface FrameAllocator {
  # Minted by the kernel at boot; granted by the manifest only to memory-managing services.
  # Every frame handed out is charged to the caller's frame-grant quota (FrameLedger).
  allocFrame @0 () -> (memory :ResultCap);
  # Allowed to: any holder of FrameAllocator. Returns a MemoryObject of one zeroed page.
  allocContiguous @1 (count :UInt32) -> (memory :ResultCap);
  # Allowed to: any holder of FrameAllocator. A MemoryObject of `count` physically contiguous
  # zeroed pages (1 <= count <= 512).
}

interface MemoryObject {
  # Minted only as a result cap of FrameAllocator.allocFrame/allocContiguous. The final RELEASE
  # (or the holder's exit) zeroes and frees its frames and returns the quota.
  info @0 () -> (pageCount :UInt64, pageSize :UInt32);
  # Allowed to: any holder of this MemoryObject.
  map @1 (hint :UInt64, offsetPages :UInt64, pageCount :UInt64, prot :UInt32) -> (addr :UInt64);
  # Allowed to: any holder. Maps pages of this object into the caller's own address space only.
  unmap @2 (addr :UInt64, pageCount :UInt64) -> ();
  # Allowed to: any holder. Removes a mapping of this object from the caller's address space.
}

interface VirtualMemory {
  # Minted by the kernel for each process over that process's own address space; never
  # transferable to another process's space (the object is bound to its address space).
  map @0 (hint :UInt64, size :UInt64, prot :UInt32) -> (addr :UInt64);
  # Allowed to: the process owning this address space. Anonymous zeroed pages, charged to the
  # frame-grant quota. prot bits: 1 read, 2 write, 4 execute (write+execute is rejected).
  unmap @1 (addr :UInt64, size :UInt64) -> ();
  # Allowed to: the owner. Only ranges created by map; frames are zeroed and freed.
  protect @2 (addr :UInt64, size :UInt64, prot :UInt32) -> ();
  # Allowed to: the owner. Only ranges created by map; W^X as for map.
}

interface Endpoint {
  # The raw (server) side of an IPC endpoint. Minted by the kernel at boot for each
  # `{kernel: endpoint}` source in the manifest and handed to init, which grants it to the
  # service that owns it. Ring opcodes RECV and RETURN operate on it; CALL does not.
  makeClient @0 (badge :UInt64) -> (client :ResultCap);
  # Allowed to: the holder of the raw Endpoint. Mints a ClientEndpoint facet stamped with
  # `badge`, which the server sees in every EndpointMessageHeader of calls made through it.
}

interface ClientEndpoint {
  # CALL-only facet of an Endpoint. Minted only by Endpoint.makeClient (init does this for the
  # importers named in the manifest). RECV/RETURN on it complete with CAP_ERR_BAD_INTERFACE.
  # Its methods are those of the protocol served behind it, carried opaquely by the kernel.
}

struct SpawnGrant {
  name @0 :Text;          # name of the cap in the child's CapSet (<= 39 bytes, unique)
  capId @1 :UInt32;       # a cap in the *caller's* table; the kernel copies it to the child
  interfaceId @2 :UInt64; # must equal the interface of capId, else the spawn is rejected
}

interface ProcessSpawner {
  # Minted by the kernel at boot and granted only to init.
  spawn @0 (name :Text, binaryName :Text, grants :List(SpawnGrant)) -> (handle :ResultCap);
  # Allowed to: the holder of ProcessSpawner. Starts `binaryName` from the boot package with
  # exactly the granted caps (each a copy of a cap the caller holds). Rejected without side
  # effects on a bad name, unknown binary, bad ELF, or any bad grant.
}

interface ProcessHandle {
  # Minted only as the result cap of ProcessSpawner.spawn; not transferable.
  wait @0 () -> (exitCode :Int64);
  # Allowed to: the holder. Completes when the process has exited (at once if it already has).
}

interface BootPackage {
  # Minted by the kernel at boot over the manifest module and granted only to init. Read-only.
  manifestSize @0 () -> (size :UInt64);
  # Allowed to: the holder. Size in bytes of the serialized SystemManifest.
  readManifest @1 (offset :UInt64, maxBytes :UInt32) -> (data :Data);
  # Allowed to: the holder. Bytes [offset, offset + min(maxBytes, 4096)) of the manifest.
}

struct CapabilityInfo {
  capId @0 :UInt32;
  interfaceId @1 :UInt64;
  badge @2 :UInt64;
}

interface CapabilityManager {
  # Minted by the kernel for each process over that process's own cap table (introspection of
  # one's own authority only; it confers no new authority).
  list @0 () -> (capabilities :List(CapabilityInfo));
  # Allowed to: the holder. The caller's own live caps, in slot order.
}

# ---------------------------------------------------------------------------------------------
# Endpoint IPC header (SPEC §4, 32 bytes, fixed C layout in lib/ring/abi.h). Declared here for
# documentation and for tools; the kernel writes the C layout, not this struct.
struct EndpointMessageHeader {
  callId @0 :UInt32;
  methodId @1 :UInt16;
  flags @2 :UInt16;
  badge @3 :UInt64;
  paramsLen @4 :UInt32;
  capCount @5 :UInt32;
  interfaceId @6 :UInt64;
}

# ---------------------------------------------------------------------------------------------
# Boot manifest (SPEC §7), authored as JSON and compiled by tools/mkmanifest.
# Bounds enforced by every reader (lib/manifest): names <= 39 bytes of [a-z0-9_-] starting with
# a letter, <= 64 binaries, <= 32 services, <= 32 caps and <= 16 exports per service, motd <=
# 256 bytes, schemaVersion == 1.

struct SystemManifest {
  schemaVersion @0 :UInt32;
  binaries @1 :List(Binary);
  initConfig @2 :InitConfig;
  kernelParams @3 :KernelParams;
}

struct Binary {
  name @0 :Text;
  elf @1 :Data;   # the ELF executable bytes, embedded by mkmanifest
}

struct InitConfig {
  init @0 :Text;                     # binary name of init; must name a binary
  services @1 :List(ServiceConfig);  # started by init, in order, after graph validation
}

struct ServiceConfig {
  name @0 :Text;
  binary @1 :Text;
  caps @2 :List(CapGrant);
  exports @3 :List(Export);
}

enum KernelCap {
  console @0;
  timer @1;
  frameAllocator @2;
  virtualMemory @3;       # the service's own address space
  capabilityManager @4;   # the service's own table
  endpoint @5;            # a fresh raw Endpoint owned by this service
}

struct ServiceExportRef {
  service @0 :Text;  # an earlier or later service of this manifest
  export @1 :Text;   # one of its exports
}

struct CapSource {
  union {
    kernel @0 :KernelCap;
    service @1 :ServiceExportRef;
  }
}

struct CapGrant {
  name @0 :Text;          # name in the receiving service's CapSet, unique per service
  source @1 :CapSource;
  badge @2 :UInt64;       # stamped on a ClientEndpoint imported from a service (else 0)
  interfaceId @3 :UInt64; # expected interface; 0 = not stated. Checked when stated.
}

struct Export {
  name @0 :Text;  # unique within the service
  cap @1 :Text;   # a cap of this service whose source is {kernel: endpoint}
}

struct KernelParams {
  motd @0 :Text;  # printed by the kernel at boot (<= 256 bytes)
}
