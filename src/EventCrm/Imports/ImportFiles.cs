using EventCrm.Infrastructure.Storage;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Imports;

/// <summary>
/// Uploaded files, kept in PostgreSQL in 1 MiB pieces until their import is done, so that any node (or a
/// job after a restart) can read them, and neither storing nor reading ever holds a whole file in memory.
/// </summary>
public sealed class ImportFiles(NpgsqlDataSource database)
{
    public const int PieceBytes = 1024 * 1024;
    private const string Pieces = $"{Schemas.Crm}.import_file_pieces";

    public static Table Table()
    {
        var table = new Table(Pieces);
        table.AddColumn<Guid>("batch_id").AsPrimaryKey();
        table.AddColumn<int>("piece").AsPrimaryKey();
        table.AddColumn("bytes", "bytea").NotNull();
        return table;
    }

    /// <summary>
    /// Stores a file in one transaction, if it is at most <paramref name="maxBytes"/>, UTF-8 text throughout, and
    /// <paramref name="refusal"/> finds nothing wrong with its start (the first piece, and whether that is the whole
    /// file); otherwise stores nothing and says why.
    /// </summary>
    public async Task<StoredFile> Store(Guid batchId, Stream content, long maxBytes, Func<ReadOnlyMemory<byte>, bool, Task<string?>> refusal,
        CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var text = new Utf8Text();
        var buffer = new byte[PieceBytes];
        long total = 0;
        for (var piece = 0; ; piece++)
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(filled), cancellation)) > 0) filled += read;
            var last = filled < buffer.Length;
            if (text.FirstInvalid(buffer.AsSpan(0, filled), total, last) is { } at) return new StoredFile.NotUtf8(at);
            if (piece == 0 && await refusal(buffer.AsMemory(0, filled), last) is { } reason) return new StoredFile.Refused(reason);
            if (filled == 0) break;
            total += filled;
            if (total > maxBytes) return new StoredFile.TooLarge(maxBytes);
            hash.AppendData(buffer, 0, filled);
            await using var insert = new NpgsqlCommand($"insert into {Pieces} (batch_id, piece, bytes) values ($1, $2, $3)", connection, transaction);
            insert.Parameters.AddWithValue(batchId);
            insert.Parameters.AddWithValue(piece);
            insert.Parameters.AddWithValue(buffer.AsMemory(0, filled).ToArray());
            await insert.ExecuteNonQueryAsync(cancellation);
            if (last) break;
        }
        await transaction.CommitAsync(cancellation);
        return new StoredFile.Kept(total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Checks text as it arrives, piece by piece, for bytes that are not UTF-8 (a character may span two pieces).</summary>
    private sealed class Utf8Text
    {
        private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        private char[] _chars = [];

        /// <summary>The offset in the file of the first byte that is not UTF-8, if this piece has one.</summary>
        public long? FirstInvalid(ReadOnlySpan<byte> piece, long offset, bool last)
        {
            if (_chars.Length < piece.Length + 4) _chars = new char[piece.Length + 4];
            try
            {
                _decoder.GetChars(piece, _chars, flush: last);
                return null;
            }
            catch (DecoderFallbackException invalid)
            {
                return offset + Math.Max(0, invalid.Index);
            }
        }
    }

    /// <summary>The stored file as a stream that fetches one piece at a time.</summary>
    public Stream Open(Guid batchId) => new PieceStream(database, batchId);

    public async Task Delete(Guid batchId, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"delete from {Pieces} where batch_id = $1");
        command.Parameters.AddWithValue(batchId);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    private sealed class PieceStream(NpgsqlDataSource database, Guid batchId) : Stream
    {
        private byte[] _piece = [];
        private int _offset;
        private int _next;
        private bool _ended;

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellation = default)
        {
            if (_offset == _piece.Length)
            {
                if (_ended) return 0;
                await using var command = database.CreateCommand($"select bytes from {Pieces} where batch_id = $1 and piece = $2");
                command.Parameters.AddWithValue(batchId);
                command.Parameters.AddWithValue(_next++);
                if (await command.ExecuteScalarAsync(cancellation) is not byte[] piece || piece.Length == 0)
                {
                    _ended = true;
                    return 0;
                }
                (_piece, _offset) = (piece, 0);
            }
            var count = Math.Min(buffer.Length, _piece.Length - _offset);
            _piece.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            BytesRead += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellation) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellation).AsTask();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>What became of a file sent to be stored.</summary>
public abstract record StoredFile
{
    /// <summary>Stored: its size and SHA-256.</summary>
    public sealed record Kept(long Bytes, string Sha256) : StoredFile;

    /// <summary>Larger than the limit; nothing stored.</summary>
    public sealed record TooLarge(long MaxBytes) : StoredFile;

    /// <summary>Not UTF-8 text: the offset of the first byte that is not; nothing stored.</summary>
    public sealed record NotUtf8(long At) : StoredFile;

    /// <summary>Its start shows it cannot be imported at all; nothing stored.</summary>
    public sealed record Refused(string Reason) : StoredFile;
}
