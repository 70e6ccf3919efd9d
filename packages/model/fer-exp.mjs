import * as m from '@emo/model';
const [bn, lr, epochs] = [process.argv[2] === 'bn', Number(process.argv[3]), Number(process.argv[4])];
const r = await m.pretrainFaces({ faces: ['/tmp/fer.arrow'], outDir: `/tmp/fer-exp-${process.argv[2]}-${lr}`, seed: 0,
  config: { faceBatchNorm: bn, learningRate: lr }, train: { epochs, patience: 0 },
  onEvent: (e) => { if (e.kind === 'epoch') console.log(process.argv.slice(2).join(' '), e.log.epoch, e.log.loss.toFixed(4), e.log.accuracy.toFixed(3), e.log.valLoss.toFixed(4), e.log.valAccuracy.toFixed(3), e.log.samplesPerSecond.toFixed(0)); } });
console.log('heldout', r.heldOutAccuracy);
