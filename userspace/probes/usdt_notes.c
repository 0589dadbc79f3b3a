// SPDX-License-Identifier: Apache-2.0
#include "probes/usdt_notes.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/dwcp_names.h"

#define STAPSDT_NOTE_TYPE 3

/* One stapsdt note's description: three addresses, then provider, name
 * and argument strings. */
static void note_probe(const char *desc, size_t len, size_t addr_size, bool has[DWCP_PROBE_COUNT])
{
	const char *provider = desc + 3 * addr_size, *name, *end = desc + len;
	int id;

	if (provider >= end || !memchr(provider, '\0', (size_t)(end - provider)))
		return;
	name = provider + strlen(provider) + 1;
	if (name >= end || !memchr(name, '\0', (size_t)(end - name)) || strcmp(provider, "dwcp") != 0)
		return;
	id = dwcp_probe_id_of(name);
	if (id >= 0)
		has[id] = true;
}

int usdt_notes_dwcp(const char *path, bool has[DWCP_PROBE_COUNT], char *err, size_t errlen)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t addr_size;
	int fd, n = 0;

	memset(has, 0, DWCP_PROBE_COUNT * sizeof(has[0]));
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		n = -1;
		goto out;
	}
	addr_size = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == STAPSDT_NOTE_TYPE && nh.n_namesz == sizeof("stapsdt") &&
			    memcmp((const char *)data->d_buf + name_off, "stapsdt", sizeof("stapsdt")) == 0)
				note_probe((const char *)data->d_buf + desc_off, nh.n_descsz, addr_size, has);
		}
	}
	for (int i = 0; i < DWCP_PROBE_COUNT; i++)
		n += has[i];
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return n;
}
