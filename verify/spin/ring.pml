/*
 * verify/spin/ring.pml — the ring SPSC protocol (SPEC §4) in Promela: an independent model,
 * written from the specification rather than from lib/ring, checked by SPIN as a cross-check of
 * the C++ checker's properties. SPIN interleaves statements under sequential consistency, so
 * this model checks the protocol logic (index arithmetic across the wrap, full/empty, fail
 * closed, payload before the index that publishes it); the C++ checker (verify/checker) adds
 * the weak-memory part on the shipped code.
 *
 * Indices are free-running 8-bit counters (the u32 of the ABI, scaled down so the wrap is
 * reached: they start at FIRST = 254). Each shared-memory access is its own statement.
 *
 * Parameters (spin -D...): SQ, CQ entries (powers of two dividing 256), N SQEs, BUDGET per
 * entry, STRAY (the user writes one out-of-window index and later repairs it), and the broken
 * variants that must fail: BROKEN_PUBLISH_FIRST (sq_tail stored before the SQE is written),
 * BROKEN_NO_FULL_CHECK (submit ignores a full SQ), BROKEN_NO_RESERVATION (the kernel ignores a
 * full CQ), BROKEN_NO_BOUND_CHECK (the kernel acts on an out-of-window sq_tail).
 */
#ifndef SQ
#define SQ 2
#endif
#ifndef CQ
#define CQ 2
#endif
#ifndef N
#define N 4
#endif
#ifndef BUDGET
#define BUDGET 2
#endif
#define FIRST 254
#define WRAP(x) ((x) & 255)

/* The shared ring page. Payload slots hold the SQE's / CQE's id (0 = never written). */
byte sq_head = FIRST;  /* kernel-written mirror */
byte sq_tail = FIRST;  /* user-written */
byte cq_head = FIRST;  /* user-written */
byte cq_tail = FIRST;  /* kernel-written */
byte sq[SQ];
byte cq[CQ];
bool user_done = false;
bool stray_live = false; /* a stray index value is in the page (ghost state) */

proctype User() {
  byte tail = FIRST;  /* authoritative copies */
  byte head = FIRST;
  byte next = 1;      /* next id to submit */
  byte reaped = 0;
  byte seen;
  byte slot;
  byte value;
#ifdef STRAY
  bool strayed = false;
#endif
  do
  :: next <= N ->
     seen = sq_head;
     assert(WRAP(tail - seen) <= SQ);  /* the user never sees more than SQ queued */
     if
#ifndef BROKEN_NO_FULL_CHECK
     :: WRAP(tail - seen) == SQ -> skip  /* full: WouldBlock */
#endif
     :: else ->
        slot = tail % SQ;
#ifdef BROKEN_PUBLISH_FIRST
        tail = WRAP(tail + 1);
        sq_tail = tail;
        sq[slot] = next;
#else
        sq[slot] = next;
        tail = WRAP(tail + 1);
        sq_tail = tail;
#endif
        next++
     fi
  :: reaped < N ->
     seen = cq_tail;
     assert(WRAP(seen - head) <= CQ);  /* never more than CQ ready */
     if
     :: seen == head -> skip  /* empty: WouldBlock */
     :: else ->
        value = cq[head % CQ];
        assert(value == reaped + 1);  /* in order: none lost, none twice, not stale */
        reaped++;
        head = WRAP(head + 1);
        cq_head = head
     fi
#ifdef STRAY
  :: !strayed ->
     /* A runtime bug writes an index far outside its window ... */
     strayed = true;
     stray_live = true;
     if
     :: sq_tail = WRAP(tail + SQ + 1)
     :: cq_head = WRAP(head - CQ - 1)
     fi
  :: stray_live ->
     /* ... and the repair republishes the runtime's own copies. */
     sq_tail = tail;
     cq_head = head;
     stray_live = false
#endif
  :: reaped == N -> break
  od;
  user_done = true
}

proctype Kernel() {
  byte head = FIRST;  /* authoritative */
  byte ctail = FIRST;
  byte expected = 1;  /* the next id the kernel must find in the SQ */
  byte seen_tail;
  byte seen_head;
  byte taken;
  byte value;
  bool stray_seen;
  do
  :: !user_done ->
     /* One cap_enter: read sq_tail and cq_head once each, validate, consume. */
     /* (the ghost flag is sampled with each read: was a stray value in the page then?) */
     atomic { seen_tail = sq_tail; stray_seen = stray_live };
     atomic { seen_head = cq_head; stray_seen = stray_seen || stray_live };
     if
#ifndef BROKEN_NO_BOUND_CHECK
     :: WRAP(seen_tail - head) > SQ || WRAP(ctail - seen_head) > CQ ->
#else
     :: WRAP(ctail - seen_head) > CQ ->
#endif
        assert(stray_seen)  /* fail closed: RingCorrupt, nothing consumed, only on a stray */
     :: else ->
        taken = 0;
        do
        :: taken < BUDGET && WRAP(seen_tail - head) > 0 &&
#ifdef BROKEN_NO_RESERVATION
           WRAP(ctail - seen_head) <= CQ ->
#else
           WRAP(ctail - seen_head) < CQ ->
#endif
           value = sq[head % SQ];
           assert(value == expected);  /* payload written before its index was published */
           expected++;
           head = WRAP(head + 1);
           cq[ctail % CQ] = value;
           ctail = WRAP(ctail + 1);
           taken++
        :: else -> break
        od;
        cq_tail = ctail;
        sq_head = head
     fi
  :: user_done -> break
  od
}

init {
  atomic {
    run User();
    run Kernel()
  }
}
