/**
 * Writes to stdout and resolves once the data has been handed to the OS (the write callback runs only then,
 * also when a full pipe made Node queue it). Awaiting every write before process.exit is what keeps a slow
 * reader from losing the tail of the output.
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
