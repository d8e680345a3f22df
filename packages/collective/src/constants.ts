/**
 * Tunables of the collective layer, with units in their names. Every rank must use the same values
 * for the ones that shape the wire traffic (chunk size); the agreement check compares them.
 */

/**
 * Largest payload of one data frame. Segments are cut into chunks of this size so a huge array never
 * becomes one huge frame (ws buffers a whole message before delivering it) and so the next hop can
 * start forwarding early. Must be a multiple of 4 (float32).
 */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Data frames a rank may have handed to its transport but not yet seen flushed, per ring step.
 * Bounds the memory held in socket buffers while keeping the link busy while the rank waits for the
 * next incoming chunk.
 */
export const SEND_WINDOW_CHUNKS = 4;

/** Version of the frame layout (frame.ts); a peer speaking another version is rejected at hello. */
export const WIRE_VERSION = 1;

/** How long an accepted connection may take to send its hello frame before it is dropped. */
export const HELLO_TIMEOUT_MS = 10_000;

/** First and largest pause between attempts to dial a peer whose listener refuses the connection. */
export const DIAL_RETRY_INITIAL_MS = 50;
export const DIAL_RETRY_MAX_MS = 1_000;
