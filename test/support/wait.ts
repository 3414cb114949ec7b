// Tests wait with the repository's one `waitFor` (scripts/lib/wait.ts), the same that `npm
// start` and the benchmarks use; this path stays because most test files import it from here.
export { waitFor } from '../../scripts/lib/wait.ts';
