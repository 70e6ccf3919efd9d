// `emo faces`: 48×48 equalised face crops of a video or of an image folder, as a faces shard.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CROP_MAX_SIDE, VISION_DEFAULTS, convertImageFolder, convertVideoFaces } from '@emo/vision';
import type { ConvertImageFolderResult } from '@emo/vision';
import type { CliIo } from './args.js';
import { fsArg } from './args.js';

export function addFaceCommands(program: Command, { out, err }: CliIo): void {
  program
    .command('faces')
    .description(
      '48×48 equalised face crops of a video, or of an image folder (a folder per label, or a path,label CSV)',
    )
    .option('--video <file>', 'a video: one crop per sampled frame')
    .option(
      '--images <dir>',
      'an image folder: one sub-folder per label, or plain images (unlabelled rows), or with --labels',
    )
    .option('--labels <csv>', 'a CSV of path,label (paths relative to the CSV)')
    .requiredOption('--out <file>', 'the faces shard to write (.arrow)')
    .option('--fps <n>', 'frames per second sampled from a video', fsArg, VISION_DEFAULTS.sampleFps)
    .option('--equalize <m>', 'hist (global), clahe or none', VISION_DEFAULTS.equalize)
    .option(
      '--detect',
      `images: detect the face in every image (default: in every image that is not a small square crop, ≤ ${CROP_MAX_SIDE} px)`,
    )
    .option('--no-detect', 'images: never detect; images that are not crops are resized whole')
    .option(
      '--json',
      'print {"frames", "faces_found", "rows"} (images: also "crops", "labelled", "unlabelled", "left_out", "unknown_labels", "unreadable")',
    )
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
        let summary = '';
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
            // --detect: every image; --no-detect: none; neither: the images that are not crops
            detect: o.detect ?? true,
            ...(o.detect === true ? { alreadyCropped: false } : {}),
          });
          res = { ...imagesJson(r), frames: r.rows, faces_found: r.crops.given + r.crops.detected };
          if (!o.json) {
            for (const u of r.unreadable) err(`unreadable: ${u.path}: ${u.error}\n`);
            summary = imagesText(r);
          }
        }
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `${summary}${res.rows} crops written to ${resolve(o.out)}; a face in ${res.faces_found} of ${res.frames} images/frames\n`,
        );
      },
    );
}

/** `--json` of `emo faces --images`: counts in snake_case. */
function imagesJson(r: ConvertImageFolderResult) {
  const c = r.crops;
  return {
    rows: r.rows,
    crops: {
      given: c.given,
      blank: c.blank,
      detected: c.detected,
      no_face: c.noFace,
      undeclared: c.undeclared,
    },
    labelled: r.perClass,
    unlabelled: r.unlabelled,
    left_out: r.leftOut,
    unknown_labels: r.unknownLabels,
    unreadable: r.unreadable,
  };
}

/** How each image went, as lines for the terminal. */
function imagesText(r: ConvertImageFolderResult): string {
  const c = r.crops;
  const lines = [
    `${c.given + c.blank} taken as face crops (square, ≤ ${CROP_MAX_SIDE} px)` +
      (c.blank ? `, ${c.blank} of them blank (flagged)` : ''),
    `${c.detected + c.noFace} searched for a face: found in ${c.detected}` +
      (c.noFace ? `, none in ${c.noFace} (whole image used, flagged)` : ''),
  ];
  if (c.undeclared) lines.push(`${c.undeclared} not crops, detection off: whole image (flagged)`);
  const labelled = Object.entries(r.perClass).map(([k, n]) => `${k} ${n}`);
  lines.push(`labels: ${labelled.join(', ')}; unlabelled ${r.unlabelled}`);
  const left = Object.entries(r.leftOut).map(
    ([k, n]) => `${k} ${n}${r.unknownLabels.includes(k) ? ' (not a label we know)' : ''}`,
  );
  if (left.length) lines.push(`left out by the label mapping: ${left.join(', ')}`);
  return lines.map((l) => `${l}\n`).join('');
}
