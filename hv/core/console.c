/*
 * console.c: hv's console, the first serial port (COM1, I/O 0x3f8, a
 * 16550 UART). The guest's own serial output goes to the same port directly
 * (it is passed through), so hv prefixes its lines with "hv: ".
 */
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "include/hvlab/rwlock.h"

#define COM1      0x3f8
#define UART_LSR  5          /* line status register */
#define LSR_THRE  0x20       /* transmit holding register empty */

static struct spinlock console_lock;

void console_init(void)
{
	outb(COM1 + 1, 0x00);    /* no interrupts */
	outb(COM1 + 3, 0x80);    /* DLAB on */
	outb(COM1 + 0, 0x01);    /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);    /* 8N1, DLAB off */
	outb(COM1 + 2, 0xc7);    /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);    /* DTR | RTS */
}

static void uart_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1, (u8)c);
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
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
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
