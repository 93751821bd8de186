/** Vite's `?raw` imports (a file's text), used by tests that read example files inside workerd. */
declare module "*?raw" {
  const text: string;
  export default text;
}
