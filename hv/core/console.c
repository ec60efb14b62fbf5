/*
 * console.c: hv's console, the first serial port (COM1, I/O 0x3f8, a
 * 16550 UART driven by klib's uart.c, as the guests' console is). The
 * guest's own serial output goes to the same port directly (it is passed
 * through), so hv prefixes its lines with "hv: ".
 */
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "include/hvlab/rwlock.h"
#include "include/klib/uart.h"

static struct spinlock console_lock;

void console_init(void)
{
	uart_init(UART_COM1);
}

/* Take the console lock, but never forever: a CPU that panics while it (or
 * a CPU that stopped) holds the lock must still get its message out. */
static bool console_lock_bounded(void)
{
	for (u64 spin = 0; spin < 50000000; spin++) {
		u32 expected = 0;
		if (atomic_cmpxchg32(&console_lock.locked, &expected, 1))
			return true;
		cpu_relax();
	}
	return false;
}

void console_write(const char *s, size_t n)
{
	bool locked = console_lock_bounded();
	uart_write(UART_COM1, s, n);
	if (locked)
		spin_unlock(&console_lock);
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
