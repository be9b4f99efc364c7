#include "kernel/arch/x86_64/protection.h"

#include "kernel/arch/x86_64/asm_constants.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/user_access.h"

namespace capos::kernel::x86_64 {

namespace {

// Intel SDM Vol. 3A §2.5 (control registers), Vol. 2A CPUID.
constexpr uint64_t cr0_write_protect = uint64_t{1} << 16;
constexpr uint64_t cr4_global_pages = uint64_t{1} << 7;
constexpr uint64_t cr4_smep = uint64_t{1} << 20;
constexpr uint64_t cr4_smap = uint64_t{1} << 21;
constexpr uint32_t cpuid_basic_pge = uint32_t{1} << 13;   // CPUID.01H:EDX[13]
constexpr uint32_t cpuid_leaf7_smep = uint32_t{1} << 7;   // CPUID.(EAX=07H,ECX=0):EBX[7]
constexpr uint32_t cpuid_leaf7_smap = uint32_t{1} << 20;  // CPUID.(EAX=07H,ECX=0):EBX[20]
constexpr uint32_t structured_features_leaf = 7;

constinit bool g_smap_active = false;

}  // namespace

void enable_global_pages() {
  if ((cpuid(1, 0).edx & cpuid_basic_pge) != 0) write_cr4(read_cr4() | cr4_global_pages);
}

Result<ProtectionState, MissingFeature> enable_protections() {
  const bool has_leaf7 = cpuid(0, 0).eax >= structured_features_leaf;
  const uint32_t features = has_leaf7 ? cpuid(structured_features_leaf, 0).ebx : 0;
  if ((features & cpuid_leaf7_smep) == 0) return MissingFeature::Smep;
  if ((features & cpuid_leaf7_smap) == 0) return MissingFeature::Smap;

  write_cr0(read_cr0() | cr0_write_protect);
  write_cr4(read_cr4() | cr4_smep | cr4_smap);
  const uint64_t cr4 = read_cr4();
  g_smap_active = (cr4 & cr4_smap) != 0;
  if (g_smap_active) user_access_end();  // AC = 0: no window is open at boot
  return ProtectionState{
      .no_execute = (read_msr(MSR_EFER) & EFER_NXE) != 0,
      .write_protect = (read_cr0() & cr0_write_protect) != 0,
      .smep = (cr4 & cr4_smep) != 0,
      .smap = g_smap_active,
  };
}

bool smap_active() { return g_smap_active; }

}  // namespace capos::kernel::x86_64
