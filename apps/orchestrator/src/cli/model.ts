// `emo pretrain-faces` and `emo predict`: the model package's tools on a user's own face shards
// and saved models. @emo/model (and tfjs with it) is loaded only when one of them runs.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EMOTIONS } from '@emo/datasets';
import { classificationMetrics, randomProtocol } from '@emo/eval';
import { MODEL_JSON, PRETRAIN_DEFAULTS } from '@emo/model/spec';
import { DEFAULT_SEED } from '@emo/runtime';
import { faceShardsAsSubjects, indexSamples, sampleId } from '@emo/samples';
import { loadModelRuntime } from '../model-runtime.js';
import { BUILTIN_PREFIX, listPretrained, resolveModelRef } from '../pretrained.js';
import type { CliIo } from './args.js';
import { intArg, jsonObjectArg, lrDropArg, pct, repeatArg } from './args.js';

const pctOf = (f: number): string => `${Math.round(100 * f)} %`;

/**
 * The saved model `--model DIR` names: DIR itself, or DIR/model/ when DIR is the folder that
 * `emo pretrain-faces --out DIR` wrote (its model.json is in model/, beside pretrain.json).
 */
function savedModelDir(dir: string): string {
  const inner = join(dir, 'model');
  return !existsSync(join(dir, MODEL_JSON)) && existsSync(join(inner, MODEL_JSON)) ? inner : dir;
}

/** Per-class recall, balanced accuracy and the confusion matrix of the held-out predictions. */
function heldOutMetrics(
  p: { labels: ArrayLike<number>; probs: ArrayLike<number> } | null,
  classes: readonly string[],
): {
  recall: Record<string, number>;
  balancedAccuracy: number;
  classes: readonly string[];
  confusion: readonly (readonly number[])[];
} | null {
  if (!p || p.labels.length === 0) return null;
  const k = classes.length;
  const pred = Array.from({ length: p.labels.length }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (p.probs[i * k + c] > p.probs[i * k + best]) best = c;
    return best;
  });
  const m = classificationMetrics(p.labels, pred, k);
  return {
    recall: Object.fromEntries(classes.map((c, i) => [c, m.perClass[i].recall])),
    balancedAccuracy: m.balancedAccuracy,
    classes,
    confusion: m.confusion,
  };
}

const fractionsText = PRETRAIN_DEFAULTS.fractions.map((f) => Math.round(100 * f)).join('/');

export function addModelCommands(program: Command, { out, err }: CliIo): void {
  program
    .command('pretrain-faces')
    .description(
      `train the face CNN on labelled face crops (a faces shard, e.g. from emo faces --images); a seeded ${fractionsText} split, the held-out ${pctOf(PRETRAIN_DEFAULTS.fractions[2])} scored`,
    )
    .requiredOption('--faces <file>', 'a faces shard with labels (repeatable)', repeatArg)
    .requiredOption('--out <dir>', 'where the model (model/), history.csv and pretrain.json go')
    .option(
      '--epochs <n>',
      'at most this many epochs',
      intArg('--epochs', 1, 1000),
      PRETRAIN_DEFAULTS.epochs,
    )
    .option(
      '--patience <n>',
      'early stopping patience (epochs)',
      intArg('--patience', 0, 1000),
      PRETRAIN_DEFAULTS.patience,
    )
    .option(
      '--seed <s>',
      'seed of the split, weights and batch order',
      intArg('--seed', 0, 2 ** 32 - 1),
      DEFAULT_SEED,
    )
    .option('--balanced', 'weight the loss by inverse class frequency')
    .option(
      '--test-faces <file>',
      `held-out crops from other shards (repeatable, e.g. FER2013 PublicTest): then --faces is split ${PRETRAIN_DEFAULTS.trainVal.map((f) => Math.round(100 * f)).join('/')} into training and validation`,
      repeatArg,
    )
    .option(
      '--augment',
      'augment the training crops (flips, shifts, rotations, scale, brightness, contrast)',
    )
    .option(
      '--model-config <json>',
      'model config fields over the defaults, e.g. \'{"faceBatchNorm":true,"facePooling":"avg"}\'',
      jsonObjectArg('--model-config'),
    )
    .option(
      '--batch-size <n>',
      'samples per batch',
      intArg('--batch-size', 1, 4096),
      PRETRAIN_DEFAULTS.batchSize,
    )
    .option(
      '--lr-drop <factor:patience>',
      'multiply the learning rate by factor after patience epochs without a lower validation loss, e.g. 0.3:3 (give --patience more)',
      lrDropArg,
    )
    .option('--json', 'print the summary as JSON')
    .action(
      async (o: {
        faces: string[];
        testFaces?: string[];
        out: string;
        epochs: number;
        patience: number;
        seed: number;
        balanced?: boolean;
        augment?: boolean;
        modelConfig?: Record<string, unknown>;
        batchSize: number;
        lrDrop?: { factor: number; patience: number };
        json?: boolean;
      }) => {
        const faces = o.faces.map((f) => resolve(f));
        const testFaces = (o.testFaces ?? []).map((f) => resolve(f));
        const shards = faceShardsAsSubjects([...faces, ...testFaces]);
        const testSubjects = new Set(shards.slice(faces.length).map((s) => s.subject));
        const clash = shards.slice(0, faces.length).find((s) => testSubjects.has(s.subject));
        if (clash) {
          throw new Error(
            `${clash.faces}: its subject '${clash.subject}' is also a --test-faces shard's; held-out crops must be other crops`,
          );
        }
        const index = indexSamples(shards, { needs: ['face'] });
        const trainEntries = index.entries.filter((e) => !testSubjects.has(e.subject));
        const split =
          testFaces.length === 0
            ? randomProtocol(trainEntries, { seed: o.seed, fractions: PRETRAIN_DEFAULTS.fractions })
                .folds[0]
            : {
                ...randomProtocol(trainEntries, {
                  seed: o.seed,
                  fractions: [...PRETRAIN_DEFAULTS.trainVal, 0],
                }).folds[0],
                test: index.entries.filter((e) => testSubjects.has(e.subject)).map(sampleId),
              };
        const { pretrainFaces, FACE_AUGMENTATION } = await loadModelRuntime();
        const r = await pretrainFaces({
          faces: [...faces, ...testFaces],
          split,
          outDir: resolve(o.out),
          seed: o.seed,
          config: o.modelConfig,
          train: {
            epochs: o.epochs,
            patience: o.patience,
            batchSize: o.batchSize,
            classWeighting: o.balanced ? 'balanced' : 'none',
            ...(o.augment ? { augment: FACE_AUGMENTATION } : {}),
            ...(o.lrDrop ? { lrDrop: o.lrDrop } : {}),
          },
          onEvent: (e) => {
            if (!o.json && e.kind === 'epoch') {
              const l = e.log;
              const lr =
                l.learningRate === undefined
                  ? ''
                  : `, learning rate ${Number(l.learningRate.toPrecision(3))}`;
              err(
                `epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${pct(l.accuracy)}; validation loss ${l.valLoss?.toFixed(4) ?? 'n/a'} acc ${pct(l.valAccuracy)} (${l.samplesPerSecond.toFixed(0)} samples/s${lr})\n`,
              );
            }
          },
        });
        const held = heldOutMetrics(r.predictions, EMOTIONS);
        const summary = {
          heldOutAccuracy: r.heldOutAccuracy,
          heldOutLoss: r.test?.loss ?? null,
          heldOut: held,
          split: r.split,
          epochs: r.history.length,
          bestEpoch: r.bestEpoch,
          validationAccuracy: r.valAccuracy,
          backend: r.backend,
          seconds: r.seconds,
          model: r.modelDir,
        };
        out(
          o.json
            ? JSON.stringify(summary) + '\n'
            : `face CNN: held-out accuracy ${pct(r.heldOutAccuracy)} on ${r.split.test} crops (trained on ${r.split.train}, early-stopped on ${r.split.val}; best epoch ${r.bestEpoch} of ${r.history.length}); model in ${r.modelDir}\n` +
                (held
                  ? `recall per class: ${Object.entries(held.recall)
                      .map(([c, v]) => `${c} ${pct(v)}`)
                      .join(', ')}; balanced accuracy ${pct(held.balancedAccuracy)}\n`
                  : ''),
        );
      },
    );

  program
    .command('pretrained')
    .description(`the models that ship with emo (use one as --model ${BUILTIN_PREFIX}NAME)`)
    .option('--json', 'print the manifests as JSON')
    .action((o: { json?: boolean }) => {
      const list = listPretrained();
      if (o.json) {
        out(JSON.stringify(list) + '\n');
        return;
      }
      if (list.length === 0) out('no model ships with this version of emo\n');
      for (const m of list) {
        out(
          `${BUILTIN_PREFIX}${m.name}: ${m.kind} (${m.task}: ${m.classes.join(', ')}), ${m.crops.size}×${m.crops.size}×${m.crops.frames} crops; held-out accuracy ${pct(m.heldOut.accuracy)} on ${m.heldOut.n} crops (${m.data.heldOut}). ${m.description}\n`,
        );
      }
    });

  program
    .command('predict')
    .description(
      'class probabilities of a saved model for every row of a faces and/or windows shard',
    )
    .requiredOption(
      '--model <dir>',
      'a saved model (model.json + weights.bin), the folder emo pretrain-faces --out wrote, or builtin:NAME (emo pretrained)',
    )
    .option('--faces <file>', 'a faces shard (CNN-only and hybrid models)')
    .option('--windows <file>', 'a windows shard (RNN-only and hybrid models)')
    .option('--out <file>', 'also write a predictions shard (.arrow)')
    .option(
      '--json',
      'print {"task", "classes": [the model\'s class names], "rows": [{"label", "probs"}…]}',
    )
    .action(
      async (o: {
        model: string;
        faces?: string;
        windows?: string;
        out?: string;
        json?: boolean;
      }) => {
        if (!o.faces && !o.windows) throw new Error('give --faces FILE and/or --windows FILE');
        const { predictShardRows } = await loadModelRuntime();
        const r = await predictShardRows(savedModelDir(resolve(resolveModelRef(o.model))), {
          ...(o.faces ? { faces: resolve(o.faces) } : {}),
          ...(o.windows ? { windows: resolve(o.windows) } : {}),
          ...(o.out ? { out: resolve(o.out) } : {}),
        });
        if (o.json) {
          out(
            JSON.stringify({
              task: r.task,
              classes: r.classes,
              rows: r.rows.map((row) => ({ label: row.label, probs: row.probs })),
            }) + '\n',
          );
          return;
        }
        const labelled = r.rows.filter((x) => x.label != null);
        const correct = labelled.filter((x) => x.label === x.predicted).length;
        out(
          `${r.rows.length} rows predicted by ${r.kind} (${r.backend}; task ${r.task}: ${r.classes.join(', ')})` +
            (labelled.length
              ? `; accuracy on the ${labelled.length} labelled rows ${pct(correct / labelled.length)}`
              : '') +
            (o.out ? `; predictions shard ${resolve(o.out)}` : '') +
            '\n',
        );
      },
    );
}
