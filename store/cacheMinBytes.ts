/**
 * Logs smaller than this replay without the checkpoint cache (256 KiB, about a thousand events:
 * a few milliseconds of replay), so no folder appears beside short logs. In a module of its own:
 * the command line tells a short log by it without loading the cache's code.
 */
export const CACHE_MIN_BYTES = 256 * 1024;
