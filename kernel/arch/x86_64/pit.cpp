#include "kernel/arch/x86_64/pit.h"

#include "kernel/arch/x86_64/cpu.h"

namespace capos::kernel::x86_64 {

namespace {

constexpr uint16_t channel2_data = 0x42;
constexpr uint16_t command = 0x43;
constexpr uint16_t control_port_b = 0x61;  // bit 0: gate 2, bit 1: speaker, bit 5: OUT2
constexpr uint8_t gate2 = 0x01;
constexpr uint8_t speaker = 0x02;
constexpr uint8_t out2 = 0x20;
// Channel 2, access lobyte/hibyte, mode 0 (interrupt on terminal count), binary.
constexpr uint8_t channel2_mode0 = 0xb0;
constexpr uint64_t microseconds_per_second = 1'000'000;

}  // namespace

void pit_start_one_shot(uint16_t count) {
  const uint8_t port_b = in8(control_port_b) & static_cast<uint8_t>(~(gate2 | speaker));
  out8(control_port_b, port_b);  // gate low: the channel holds its count
  out8(command, channel2_mode0);
  out8(channel2_data, static_cast<uint8_t>(count & 0xff));
  out8(channel2_data, static_cast<uint8_t>(count >> 8));
  out8(control_port_b, port_b | gate2);  // gate high: counting starts
}

bool pit_expired() { return (in8(control_port_b) & out2) != 0; }

uint16_t pit_count_for(uint64_t microseconds) {
  constexpr uint64_t longest = 60'000;  // beyond pit_max_count already; keeps the product small
  if (microseconds >= longest) return static_cast<uint16_t>(pit_max_count);
  const uint64_t count = microseconds * pit_frequency_hz / microseconds_per_second;
  if (count == 0) return 1;
  return static_cast<uint16_t>(count > pit_max_count ? pit_max_count : count);
}

}  // namespace capos::kernel::x86_64
