/** CDK entry point (`cdk.json` → `npx tsx infra/bin/app.ts`). */
import { createApp } from './create-app.ts';

createApp().app.synth();
