/** `npm start`: run the local twin until Ctrl-C. */
import { startTwin } from './twin.ts';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.REBOUND_DATA_DIR ?? '.rebound';
const startedAt = Date.now();
const twin = await startTwin({ port, dataDir });
const { urls } = twin;
console.log(
  `Rebound local twin ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (data: ${dataDir})`,
);
console.log(`API:          ${urls.api}  (POST /events; clock: GET ${urls.api}/_local/clock)`);
console.log(`Mail viewer:  ${urls.mailViewer}`);
console.log(`Dead letters: ${urls.deadLetters}`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the twin...`);
  twin.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
