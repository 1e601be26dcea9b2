namespace Worker;

public class QueueWorker(ILogger<QueueWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("polling the queue at {Time}", DateTimeOffset.Now);
            await Task.Delay(5000, stoppingToken);
        }
    }
}
