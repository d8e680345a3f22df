/*
 * The OpenMPI reference of `seqtrain bench allreduce`: MPI_Allreduce (MPI_SUM, MPI_FLOAT, in place)
 * of each payload size, timed like the seqtrain side (warm-up calls, a barrier, then `iterations`
 * back-to-back calls; the slowest rank's mean per call). Compiled by the bench with mpicc at run time
 * and started with mpirun; prints one line per size: "<bytes> <seconds>".
 *
 * usage: allreduce <iterations> <warmup> <bytes> [<bytes> ...]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc < 4) {
    if (rank == 0) fprintf(stderr, "usage: %s <iterations> <warmup> <bytes> [<bytes> ...]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  int iterations = atoi(argv[1]);
  int warmup = atoi(argv[2]);
  for (int a = 3; a < argc; a++) {
    long bytes = atol(argv[a]);
    long count = bytes / 4;
    float *data = malloc((size_t)count * sizeof(float));
    if (!data) {
      fprintf(stderr, "rank %d: cannot allocate %ld bytes\n", rank, bytes);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long i = 0; i < count; i++) data[i] = (float)((i % 1000) - 500) / 1000.0f;
    for (int i = 0; i < warmup; i++) MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < iterations; i++) MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double mean = (MPI_Wtime() - start) / iterations;
    double slowest = 0;
    MPI_Reduce(&mean, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%ld %.9f\n", bytes, slowest);
    fflush(stdout);
    free(data);
  }
  MPI_Finalize();
  return 0;
}
