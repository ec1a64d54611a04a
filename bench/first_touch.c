/*
 * first_touch.c
 *	  What this machine charges for the first touch of fresh memory: 1 GB
 *	  mapped three times, touched once per 4 kB page, in 4 kB pages and then
 *	  with MADV_HUGEPAGE (transparent huge pages), and written again once
 *	  touched.  A backend's sorts, hashes and GIN build allocate such memory
 *	  and give it back, so a machine where the first touch is dear (a
 *	  virtual machine whose every page fault is expensive) pays it again and
 *	  again: doc/national-scale.md, "Settings".
 *
 *	  gcc -O2 -o /tmp/first_touch bench/first_touch.c && /tmp/first_touch
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int
run(int huge)
{
	const size_t size = (size_t) 1 << 30;

	for (int round = 0; round < 3; round++)
	{
		char	   *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		double		t,
					touch,
					again;

		if (p == MAP_FAILED)
		{
			perror("mmap");
			return 1;
		}
		if (huge && madvise(p, size, MADV_HUGEPAGE) != 0)
			perror("madvise(MADV_HUGEPAGE)");
		t = seconds();
		for (size_t i = 0; i < size; i += 4096)
			p[i] = 1;
		touch = seconds() - t;
		t = seconds();
		memset(p, 2, size);
		again = seconds() - t;
		printf("%-16s first touch of 1 GB %.3f s (%.2f us per 4 kB page), written again %.3f s\n",
			   huge ? "huge pages:" : "4 kB pages:", touch, touch / (size / 4096) * 1e6, again);
		munmap(p, size);
	}
	return 0;
}

int
main(void)
{
	return run(0) || run(1);
}
