/** Names of the kernels @seqtrain/rnn registers (forward kernels carry a registered gradient). */
export const LSTM_SEQUENCE = 'SeqtrainLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'SeqtrainLstmSequenceGrad';
export const GRU_SEQUENCE = 'SeqtrainGruSequence';
export const GRU_SEQUENCE_GRAD = 'SeqtrainGruSequenceGrad';
export const SIMPLE_RNN_SEQUENCE = 'SeqtrainSimpleRnnSequence';
export const SIMPLE_RNN_SEQUENCE_GRAD = 'SeqtrainSimpleRnnSequenceGrad';
