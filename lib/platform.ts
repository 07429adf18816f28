/**
 * The napi-rs name of the platform this process runs on (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`, …): the suffix of the addon's file name and of its platform package.
 */

/** Platforms with a prebuilt binary package (package.json `napi.targets`). */
export const PREBUILT_TRIPLES: readonly string[] = ['linux-x64-gnu'];

export function platformTriple(platform: string = process.platform, arch: string = process.arch): string {
  switch (platform) {
    case 'linux':
      return `${platform}-${arch}-${isMusl() ? 'musl' : arch === 'arm' ? 'gnueabihf' : 'gnu'}`;
    case 'win32':
      return `${platform}-${arch}-msvc`;
    default:
      return `${platform}-${arch}`;
  }
}

/** glibc reports its version in Node's diagnostic report; musl has none. */
function isMusl(): boolean {
  const report = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
  if (report === undefined) return false;
  report.excludeNetwork = true; // the report would otherwise resolve every socket's peer
  const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime === undefined;
}
