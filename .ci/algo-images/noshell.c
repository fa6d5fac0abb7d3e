/*
 * c2d's no-shell test algorithm: one static binary, the only file of its image (no /bin/sh).
 * Run as "/noshell $ALGO word...": writes /data/outputs/noshell.txt with what it was given (its
 * arguments, working directory, whether the image has a shell) and, per input DID in $DIDS, the
 * size and line count of data/inputs/<did>/0 read relative to its working directory, as Ocean's
 * examples do. Deterministic: the same job gives the same bytes on every backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void count(FILE *out, const char *label, const char *path) {
  FILE *in = fopen(path, "rb");
  if (in == NULL) {
    fprintf(out, "%s missing\n", label);
    return;
  }
  long bytes = 0, lines = 0;
  int c;
  while ((c = fgetc(in)) != EOF) {
    bytes++;
    if (c == '\n') lines++;
  }
  fclose(in);
  fprintf(out, "%s bytes=%ld lines=%ld\n", label, bytes, lines);
}

int main(int argc, char **argv) {
  FILE *out = fopen("/data/outputs/noshell.txt", "w");
  if (out == NULL) {
    perror("/data/outputs/noshell.txt");
    return 2;
  }
  char cwd[4096];
  fprintf(out, "cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  fprintf(out, "shell=%s\n", access("/bin/sh", F_OK) == 0 ? "present" : "absent");
  for (int i = 2; i < argc; i++) fprintf(out, "arg=%s\n", argv[i]);
  count(out, "algorithm", argc > 1 ? argv[1] : "");
  const char *dids = getenv("DIDS");
  for (const char *p = dids ? strchr(dids, '"') : NULL; p != NULL; p = strchr(p, '"')) {
    const char *end = strchr(p + 1, '"');
    if (end == NULL || end - p > 200) break;
    char did[256], path[300];
    snprintf(did, sizeof did, "%.*s", (int) (end - p - 1), p + 1);
    snprintf(path, sizeof path, "data/inputs/%s/0", did);
    count(out, did, path);
    p = end + 1;
  }
  fclose(out);
  printf("noshell: done\n");
  return 0;
}
