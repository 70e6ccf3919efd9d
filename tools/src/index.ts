// Repository tooling: benchmarks (src/bench). Not imported by the packages.
export { runDatasetsBench } from './bench/datasets-bench.js';
