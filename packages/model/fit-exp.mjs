import * as tf from '@tensorflow/tfjs';
import * as m from '@emo/model';
await m.selectBackend({ quiet: true });
const index = m.indexSamples([{ subject: 'PublicTest', faces: '/tmp/fer.arrow' }], { needs: ['face'] });
const xs = [], ys = [];
for await (const b of m.batches(index, { inputs: ['face'], batchSize: 3118, shuffle: { seed: 1, epoch: 1 } })) { xs.push(b.inputs.face); ys.push(b.labels); }
const n = Number(process.env.N ?? 2400);
const x = tf.tensor4d(xs[0].slice(0, n * 2304), [n, 48, 48, 1]);
const y = tf.oneHot(tf.tensor1d(ys[0].slice(0, n), 'int32'), 5).toFloat();
const xv = tf.tensor4d(xs[0].slice(n * 2304), [3118 - n, 48, 48, 1]);
const yv = tf.oneHot(tf.tensor1d(ys[0].slice(n), 'int32'), 5).toFloat();
const model = m.buildModel('cnnOnly', { seed: 0, learningRate: Number(process.argv[2] ?? 0.001), faceBatchNorm: process.argv[3] === 'bn', facePooling: process.argv[4] ?? 'avg' });
await model.fit(x, y, { epochs: Number(process.env.EP ?? 6), batchSize: Number(process.env.BS ?? 64), shuffle: false, validationData: [xv, yv], callbacks: { onEpochEnd: (e, l) => console.log('fit', e, l.loss.toFixed(4), l.acc.toFixed(3), l.val_loss.toFixed(4), l.val_acc.toFixed(3)) } });
for (const l of model.layers) if (l.name.startsWith('face_bn')) { const w = l.getWeights(); console.log('fit', l.name, JSON.stringify(w.map((t) => Array.from(t.dataSync().slice(0, 3)).map((v) => +v.toFixed(4))))); }
