// `emo faces`: 48×48 equalised face crops of a video or of an image folder, as a faces shard.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { VISION_DEFAULTS, convertImageFolder, convertVideoFaces } from '@emo/vision';
import type { CliIo } from './args.js';
import { fsArg } from './args.js';

export function addFaceCommands(program: Command, { out, err }: CliIo): void {
  program
    .command('faces')
    .description(
      '48×48 equalised face crops of a video, or of an image folder (a folder per label, or a path,label CSV)',
    )
    .option('--video <file>', 'a video: one crop per sampled frame')
    .option('--images <dir>', 'an image folder (one sub-folder per label, or with --labels)')
    .option('--labels <csv>', 'a CSV of path,label (paths relative to the CSV)')
    .requiredOption('--out <file>', 'the faces shard to write (.arrow)')
    .option('--fps <n>', 'frames per second sampled from a video', fsArg, VISION_DEFAULTS.sampleFps)
    .option('--equalize <m>', 'hist (global), clahe or none', VISION_DEFAULTS.equalize)
    .option('--detect', 'images: detect and crop the face (default: images are crops already)')
    .option('--json', 'print {"frames", "faces_found", "rows"}')
    .action(
      async (o: {
        video?: string;
        images?: string;
        labels?: string;
        out: string;
        fps: number;
        equalize: string;
        detect?: boolean;
        json?: boolean;
      }) => {
        if (!['hist', 'clahe', 'none'].includes(o.equalize)) {
          throw new Error('--equalize must be hist, clahe or none');
        }
        const equalize = o.equalize as 'hist' | 'clahe' | 'none';
        if ((o.video ? 1 : 0) + (o.images || o.labels ? 1 : 0) !== 1) {
          throw new Error('give either --video FILE, or --images DIR [--labels CSV]');
        }
        let res: { frames: number; faces_found: number; rows: number };
        if (o.video) {
          const r = await convertVideoFaces({
            video: resolve(o.video),
            out: resolve(o.out),
            sampleFps: o.fps,
            equalize,
          });
          res = { frames: r.frames, faces_found: r.facesFound, rows: r.rows };
        } else {
          const r = await convertImageFolder({
            ...(o.labels ? { csv: resolve(o.labels) } : { root: resolve(o.images ?? '.') }),
            out: resolve(o.out),
            equalisation: equalize === 'hist' ? 'global' : equalize,
            detect: o.detect ?? false,
          });
          const given = r.crops.given + r.crops.detected + r.crops.undeclared + r.crops.noFace;
          res = {
            frames: given + r.crops.blank,
            faces_found: r.crops.given + r.crops.detected,
            rows: r.rows,
          };
          if (!o.json) {
            for (const u of r.unreadable) err(`unreadable: ${u.path}: ${u.error}\n`);
            const left = Object.entries(r.leftOut).map(([k, n]) => `${k} ${n}`);
            if (left.length) err(`left out by the label mapping: ${left.join(', ')}\n`);
          }
        }
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `${res.rows} crops written to ${resolve(o.out)}; a face in ${res.faces_found} of ${res.frames} images/frames\n`,
        );
      },
    );
}
