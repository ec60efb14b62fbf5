/*
 * request.h: asking a vCPU to do something before its next guest entry,
 * after KVM's vCPU requests. A request is a bit in vcpu->requests; if the
 * vCPU is in guest mode, it is kicked out with an IPI (KICK_VECTOR).
 *
 * The ordering that makes this race-free (both sides use full barriers):
 *   vCPU:       mode = IN_GUEST; mb; if (requests) { mode = OUTSIDE; handle }
 *               else VMRUN (host interrupts off, so a kick sent after the
 *               check stays pending and forces an exit right after entry)
 *   requester:  requests |= bit; mb; if (mode == IN_GUEST) send kick
 */
#ifndef HV_CORE_REQUEST_H
#define HV_CORE_REQUEST_H

#include "include/hvlab/types.h"

#define REQ_TLB_FLUSH   BIT(0)   /* flush this vCPU's guest TLB (ASID/VPID) */
#define REQ_MMU_RELOAD  BIT(1)   /* reload the TDP root */
#define REQ_EVENT       BIT(2)   /* an interrupt, INIT or SIPI was posted */
#define REQ_STOP        BIT(3)   /* the VM is stopping */

#define KICK_VECTOR     0xf0     /* host IDT vector of the kick IPI */

enum vcpu_mode { OUTSIDE_GUEST_MODE = 0, IN_GUEST_MODE = 1 };

struct vcpu;
struct vm;

void vcpu_make_request(struct vcpu *v, u64 req);
void vcpu_kick(struct vcpu *v);
/* Test and clear one request bit (owner vCPU only). */
bool vcpu_check_request(struct vcpu *v, u64 req);
/* Post req to every vCPU in mask and wait until each one has left guest
 * mode at least once since (or was outside): after this returns, none of
 * them runs on state older than the request. */
void vm_request_and_wait(struct vm *vm, u64 vcpu_mask, u64 req);

#endif
