/*
 * exit3: ends with exit code 3, so a test can tell "the guest's exit code
 * reached the host" from "the guest ended".
 */
#include "guest.h"

int main(void)
{
	printf("exit3: exiting with code 3\n");
	return 3;
}
