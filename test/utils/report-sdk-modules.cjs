// Preloaded with NODE_OPTIONS=--require by test/tracing.e2e-spec.ts: on exit, prints how many
// OpenTelemetry SDK modules the server loaded (CommonJS ones, as the SDK's are, even when
// reached through `import`).
process.once('exit', () => {
  const sdk = Object.keys(require.cache).filter((file) =>
    /node_modules\/@opentelemetry\/(sdk-|instrumentation)/.test(file),
  );
  process.stderr.write(`OpenTelemetry SDK modules loaded: ${sdk.length}\n`);
});
